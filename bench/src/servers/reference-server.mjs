// Runs the reference implementation (@durable-streams/server from npm) as a standalone
// process and prints its URL. Plain JavaScript so its start-up time is node's own, with no
// TypeScript loader in front (restart times are compared with it).
//
//   node bench/src/servers/reference-server.mjs [--data-dir <dir>] [--webhooks]
//
// No directory: in-memory. --webhooks turns on its webhook subscriptions (off by default;
// it always lets them reach http://127.0.0.1).
import { DurableStreamTestServer } from "@durable-streams/server";

const dirFlag = process.argv.indexOf("--data-dir");
const dataDir = dirFlag > 0 ? process.argv[dirFlag + 1] : undefined;
const webhooks = process.argv.includes("--webhooks");
const server = new DurableStreamTestServer({ port: 0, host: "127.0.0.1", webhooks, ...(dataDir ? { dataDir } : {}) });
const url = await server.start();
console.log(`reference listening on ${url}`);

const stop = () => {
  void server.stop().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
