/**
 * `rivulet cluster up`: a local cluster to try — a throwaway PostgreSQL (unless `--pg` names
 * one), N `rivulet serve --store postgres://…` nodes, and nginx in front with the generated
 * configuration. Prints the URL; SIGINT/SIGTERM stops everything and removes the throwaway
 * data. A node that dies is reported and the rest carry on (nginx skips it): try `kill -9`.
 */
import { createServer } from "node:net";
import { CliError } from "../failure.js";
import { type NginxProcess, startNginx } from "./nginx-process.js";
import { type NodeProcess, startNode } from "./node-process.js";
import { startThrowawayPostgres, type ThrowawayPostgres } from "./throwaway-postgres.js";

export interface ClusterUpSettings {
  readonly nodes: number;
  readonly pg?: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly basePath: string;
  /** Further `rivulet serve` flags for every node. */
  readonly serveArgs: readonly string[];
}

export interface LocalCluster {
  readonly url: string;
  readonly nodes: readonly NodeProcess[];
  readonly postgresUrl: string;
  stop(): Promise<void>;
}

export async function clusterUp(settings: ClusterUpSettings, say: (line: string) => void): Promise<LocalCluster> {
  let postgres: ThrowawayPostgres | undefined;
  const nodes: NodeProcess[] = [];
  let nginx: NginxProcess | undefined;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await nginx?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    await postgres?.stop();
  };
  try {
    if (!settings.pg) {
      postgres = await startThrowawayPostgres(await freePort());
      say(`postgres: throwaway, ${postgres.url}`);
    }
    const database = settings.pg ?? postgres?.url ?? "";
    const args = ["--store", database, "--host", settings.host, "--port", "0", "--base-path", settings.basePath];
    // One node first: it applies the schema; the others then start together.
    nodes.push(await startNode("node-1", [...args, ...settings.serveArgs]));
    const rest = Array.from({ length: settings.nodes - 1 }, (_, i) =>
      startNode(`node-${i + 2}`, [...args, ...settings.serveArgs]),
    );
    for (const started of await Promise.allSettled(rest)) {
      if (started.status === "fulfilled") nodes.push(started.value);
      else throw started.reason;
    }
    for (const node of nodes) {
      say(`${node.id}: ${node.url}`);
      node.child.once("exit", (code, signal) => {
        if (!stopping) say(`${node.id} exited (${signal ?? code}); the others carry on`);
      });
    }
    nginx = await startNginx({
      nodes: nodes.map((node) => new URL(node.url).host),
      host: settings.host,
      port: settings.port,
    });
    return { url: `${nginx.url}${settings.basePath}/`, nodes, postgresUrl: database, stop };
  } catch (error) {
    await stop();
    throw new CliError("CLUSTER_START_FAILED", error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
