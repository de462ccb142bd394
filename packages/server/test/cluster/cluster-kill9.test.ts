/**
 * Three nodes on one PostgreSQL under load (issue: multi-node mode): writers send each append to
 * a random node, long-poll readers follow the streams through random nodes, one node is
 * `kill -9`ed and replaced again and again, and PostgreSQL itself is restarted once. Then:
 * - every acknowledged append is present exactly once, in each writer's order;
 * - idempotent producers that retried an unanswered batch on another node left no duplicate;
 * - every reader's view was a prefix of the final stream (never torn, never reordered);
 * - every node answers the same bytes.
 * npm test runs 4 kills; RIVULET_SOAK=1 runs 20 (RIVULET_CLUSTER_KILLS sets the count).
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { crashCycles } from "../support/soak.js";
import { type ServerProcess, spawnServer } from "../support/spawn-server.js";

const KILLS = crashCycles("RIVULET_CLUSTER_KILLS", 4, 20);
const NODES = 3;
const STREAMS = 3;
/** Acknowledged appends between two kills: kills land under load, paced by progress, not time. */
const ACKS_PER_KILL = 60;

interface Writer {
  readonly stream: string;
  readonly name: string;
  readonly producer: boolean;
  next: number;
  readonly acked: Set<number>;
  /** A request whose answer never came (node died, 503): landed or not, nobody knows yet. */
  inFlight: number | undefined;
}

interface Item {
  readonly w: string;
  readonly n: number;
}

let postgres: TestPostgres;
let storeUrl: string;
const nodes: ServerProcess[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  storeUrl = await postgres.database();
});

afterAll(async () => {
  for (const node of nodes) node.child.kill("SIGKILL");
  await Promise.all(nodes.map((node) => node.exited));
  await postgres?.stop();
});

const startNode = async () => {
  const node = await spawnServer(["--store", storeUrl, "--long-poll-timeout", "2s"]);
  nodes.push(node);
  return node;
};
const alive = () => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
const anyNode = () => {
  const live = alive();
  return live[Math.floor(Math.random() * live.length)]!.url;
};

async function send(writer: Writer, n: number): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (writer.producer) {
    headers["producer-id"] = writer.name;
    headers["producer-epoch"] = "0";
    headers["producer-seq"] = String(n);
  }
  return fetch(`${anyNode()}${writer.stream}`, {
    method: "POST",
    headers,
    body: JSON.stringify({ w: writer.name, n }),
    signal: AbortSignal.timeout(10_000),
  });
}

/** Appends until told to stop; an unanswered producer batch is retried (same seq) on another node. */
async function runWriter(writer: Writer, stop: { done: boolean }, progress: () => void): Promise<void> {
  while (!stop.done) {
    const n = writer.inFlight !== undefined && writer.producer ? writer.inFlight : writer.next;
    writer.inFlight = n;
    let status: number;
    try {
      const response = await send(writer, n);
      status = response.status;
      const body = await response.text();
      if (status !== 200 && status !== 204 && status !== 503)
        throw new Error(`${writer.name} #${n}: ${status} ${body}`);
      if (status === 503) expect(response.headers.get("retry-after")).not.toBeNull();
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(writer.name)) throw error;
      status = 0; // the node died under the request
    }
    if (status === 0 || status === 503) await pause();
    if (status === 200 || status === 204) {
      writer.acked.add(n);
      writer.inFlight = undefined;
      writer.next = n + 1;
      progress();
    } else if (!writer.producer) {
      // A plain writer cannot know whether it landed; it moves on (the check allows either).
      writer.inFlight = undefined;
      writer.next = n + 1;
    }
  }
}

/** Follows a stream with long-polls through random nodes, recording every item in order. */
async function runReader(stream: string, seen: Item[], stop: { done: boolean }): Promise<void> {
  let offset = "-1";
  while (!stop.done) {
    try {
      const response = await fetch(`${anyNode()}${stream}?offset=${offset}&live=long-poll`, {
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 503) {
        await pause();
        continue;
      }
      if (response.status === 204) {
        offset = response.headers.get("stream-next-offset") ?? offset;
        continue;
      }
      expect(response.status).toBe(200);
      seen.push(...((await response.json()) as Item[]));
      offset = response.headers.get("stream-next-offset")!;
    } catch (error) {
      if (error instanceof Error && error.name === "AssertionError") throw error;
      // Its node died: carry on from the same offset through another.
      await pause();
    }
  }
}

async function readAll(url: string, stream: string): Promise<Item[]> {
  let offset = "-1";
  const items: Item[] = [];
  for (;;) {
    const response = await fetch(`${url}${stream}?offset=${offset}`);
    expect(response.status).toBe(200);
    items.push(...((await response.json()) as Item[]));
    offset = response.headers.get("stream-next-offset")!;
    if (response.headers.get("stream-up-to-date") === "true") return items;
  }
}

/** A retry's pause while a node or the database is away (not a wait for an outcome). */
const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

test(`three nodes: acknowledged appends survive ${KILLS} node kills and a PostgreSQL restart exactly once`, async () => {
  for (let i = 0; i < NODES; i++) await startNode();
  const writers: Writer[] = [];
  const streams: string[] = [];
  for (let s = 0; s < STREAMS; s++) {
    const stream = `/v1/stream/cluster-crash-${s}`;
    streams.push(stream);
    const created = await fetch(`${anyNode()}${stream}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
    });
    expect(created.status).toBe(201);
    for (const kind of ["plain", "producer"] as const) {
      writers.push({
        stream,
        name: `s${s}-${kind}`,
        producer: kind === "producer",
        next: 0,
        acked: new Set(),
        inFlight: undefined,
      });
    }
  }

  const stop = { done: false };
  let acks = 0;
  let wake: (() => void) | undefined;
  const progress = () => {
    acks++;
    wake?.();
  };
  const untilAcks = (count: number) =>
    new Promise<void>((resolve) => {
      const target = acks + count;
      wake = () => {
        if (acks >= target) resolve();
      };
    });
  const views = streams.map(() => [] as Item[]);
  const running = [
    ...writers.map((writer) => runWriter(writer, stop, progress)),
    ...streams.map((stream, i) => runReader(stream, views[i]!, stop)),
  ];

  for (let kill = 0; kill < KILLS; kill++) {
    await untilAcks(ACKS_PER_KILL);
    const victim = alive()[Math.floor(Math.random() * alive().length)]!;
    victim.child.kill("SIGKILL");
    await victim.exited;
    await startNode();
    if (kill === Math.floor(KILLS / 2)) {
      // The database goes away under load: requests fail fast with 503, and every node recovers by itself.
      await postgres.restart();
    }
  }
  await untilAcks(ACKS_PER_KILL);
  stop.done = true;
  await Promise.all(running);

  // Producers settle what is still unanswered (same seq: written once or deduplicated).
  for (const writer of writers.filter((w) => w.producer && w.inFlight !== undefined)) {
    const response = await send(writer, writer.inFlight!);
    expect([200, 204]).toContain(response.status);
    writer.acked.add(writer.inFlight!);
    writer.next = writer.inFlight! + 1;
  }

  const live = alive();
  for (const [i, stream] of streams.entries()) {
    const answers = await Promise.all(live.map((node) => readAll(node.url, stream)));
    for (const answer of answers) expect(answer, `every node answers the same ${stream}`).toEqual(answers[0]);
    const items = answers[0]!;
    for (const writer of writers.filter((w) => w.stream === stream)) {
      const mine = items.filter((item) => item.w === writer.name).map((item) => item.n);
      expect(new Set(mine).size, `${writer.name} has duplicates`).toBe(mine.length);
      expect(mine, `${writer.name} out of order`).toEqual([...mine].sort((a, b) => a - b));
      const present = new Set(mine);
      for (const n of writer.acked) expect(present.has(n), `${writer.name} lost acknowledged #${n}`).toBe(true);
      if (writer.producer) expect(mine).toEqual([...writer.acked].sort((a, b) => a - b));
    }
    // A reader's view is a prefix of the stream: nothing torn, nothing out of place.
    expect(items.slice(0, views[i]!.length)).toEqual(views[i]);
  }
  expect(writers.reduce((n, w) => n + w.acked.size, 0)).toBeGreaterThan((KILLS + 1) * ACKS_PER_KILL - 1);
}, 300_000);
