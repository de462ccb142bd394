/** `rivulet serve`: run the server until SIGINT/SIGTERM. */
import { DEFAULT_PORT, type Durability, startServer } from "@rivulet/server";
import { Command, InvalidArgumentError } from "commander";
import { openStore } from "../store-choice.js";

interface ServeFlags {
  host: string;
  port: number;
  dataDir: string;
  store: "file" | "memory";
  basePath: string;
  durability: Durability;
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("Run a Durable Streams server")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on", parsePort, DEFAULT_PORT)
    .option("--data-dir <dir>", "where the durable store keeps its files", "./data")
    .option("--store <kind>", "file (durable) or memory", parseStore, "file")
    .option("--base-path <path>", "URL prefix of stream paths", "/v1/stream")
    .option(
      "--durability <mode>",
      "fsync (fsync before every acknowledgement) or interval:<ms> (fsync on a timer)",
      parseDurability,
      "fsync",
    )
    .addHelpText(
      "after",
      `
Examples:
  rivulet serve                          # http://127.0.0.1:4437, data in ./data
  rivulet serve --port 8080 --data-dir /var/lib/rivulet
  rivulet serve --store memory           # nothing kept across restarts`,
    )
    .action(async (flags: ServeFlags) => {
      const store = openStore(flags.store, flags.dataDir, flags.durability);
      const server = await startServer({ host: flags.host, port: flags.port, store, basePath: flags.basePath });
      console.log(`rivulet listening on ${server.url}${flags.basePath}/`);
      console.log(`store: ${store.description} (durability: ${store.durability})`);
      const stop = () => {
        void server.close().then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("must be 0–65535");
  return port;
}

function parseDurability(value: string): Durability {
  if (value === "fsync") return "fsync";
  const match = /^interval:(\d+)$/.exec(value);
  if (match && Number(match[1]) > 0) return { intervalMs: Number(match[1]) };
  throw new InvalidArgumentError("must be fsync or interval:<milliseconds>");
}

function parseStore(value: string): "file" | "memory" {
  if (value !== "file" && value !== "memory") throw new InvalidArgumentError("must be file or memory");
  return value;
}
