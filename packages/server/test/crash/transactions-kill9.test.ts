/**
 * Transactions are all or nothing across kill -9: a real server process is killed with SIGKILL
 * at random moments while writers send transactions over random sets of streams (each item with
 * its own idempotent producer) and a plain writer appends to the same streams, then restarted
 * on the same data directory. After each restart every transaction in flight is retried as it
 * was (it must be accepted, or answered as duplicates), and every stream is checked:
 * - every transaction found on any stream is on every stream it named, exactly once;
 * - every acknowledged transaction is there;
 * - on each stream, each writer's transactions are in the order it sent them;
 * - each transaction also commits its writer's consumer group (the `commit` part) to the
 *   position of its number in a source topic: the group's committed offset is always that of
 *   the writer's last transaction found on the streams — the appends and the commit are both
 *   there or both absent.
 * npm test runs 5 cycles, RIVULET_SOAK=1 runs 40; RIVULET_TX_CRASH_CYCLES sets the count.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { crashCycles } from "../support/soak.js";
import { type ServerProcess, spawnServer } from "../support/spawn-server.js";

const CYCLES = crashCycles("RIVULET_TX_CRASH_CYCLES", 5, 40);
const STREAMS = Array.from({ length: 6 }, (_, i) => `tx-crash/${i}`);
const WRITERS = 4;
/** Records of the source topic whose positions the writers' groups commit: more than a run sends. */
const SOURCE_RECORDS = 3000;
/** `next_offset` of each source record: transaction n of a writer commits SOURCE[n]. */
let SOURCE: string[] = [];

interface Part {
  readonly t: string;
  readonly on: readonly string[];
}

interface Writer {
  readonly name: string;
  next: number;
  /** Producer seq per stream: each (writer, stream) pair is one idempotent producer. */
  readonly seqs: Map<string, number>;
  readonly acked: Map<string, readonly string[]>;
  /** The transaction in flight when the server died, as it was sent. */
  inFlight: { id: string; body: string; on: readonly string[] } | undefined;
}

const dirs: string[] = [];
/** The server running now, stopped after the test even when an assertion failed. */
let live: ServerProcess | undefined;
afterAll(async () => {
  live?.child.kill("SIGKILL");
  await live?.exited;
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function nextTransaction(writer: Writer): { id: string; body: string; on: readonly string[] } {
  const on = STREAMS.filter(() => Math.random() < 0.5);
  if (on.length === 0) on.push(STREAMS[writer.next % STREAMS.length]!);
  const n = writer.next++;
  const id = `${writer.name}-${n}`;
  if (n >= SOURCE.length) throw new Error(`${writer.name} sent more transactions than the source topic has records`);
  const items = on.map((path) => {
    const seq = writer.seqs.get(path) ?? 0;
    writer.seqs.set(path, seq + 1);
    const producer = { "Producer-Id": `${writer.name}@${path}`, "Producer-Epoch": "0", "Producer-Seq": String(seq) };
    return { path, body: { t: id, on } satisfies Part, headers: producer };
  });
  // Member-less, as a consumer that assigns its partitions itself commits.
  const commit = { group: `g-${writer.name}`, offsets: [{ topic: "src", partition: 0, offset: SOURCE[n] }] };
  return { id, body: JSON.stringify({ items, commit }), on };
}

function send(url: string, body: string): Promise<Response> {
  return fetch(`${url}/v1/stream/__ds/transactions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
}

/** Sends transactions one at a time until the server dies. */
async function runWriter(url: string, writer: Writer, stop: { dead: boolean }): Promise<void> {
  while (!stop.dead) {
    const transaction = nextTransaction(writer);
    writer.inFlight = transaction;
    let response: Response;
    try {
      response = await send(url, transaction.body);
    } catch {
      return; // the connection died with the server: outcome unknown, stays in flight
    }
    if (response.status !== 200) throw new Error(`${transaction.id}: ${response.status} ${await response.text()}`);
    writer.acked.set(transaction.id, transaction.on);
    writer.inFlight = undefined;
  }
}

/** Plain appends to the same streams, so transactions interleave with other writes. */
async function runPlain(url: string, stop: { dead: boolean }): Promise<void> {
  for (let n = 0; !stop.dead; n++) {
    const path = STREAMS[n % STREAMS.length]!;
    try {
      await fetch(`${url}/v1/stream/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ plain: n }),
      });
    } catch {
      return;
    }
  }
}

async function readAll(url: string, path: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let offset = "-1";
  for (;;) {
    const response = await fetch(`${url}/v1/stream/${path}?offset=${offset}`);
    expect(response.status).toBe(200);
    items.push(...((await response.json()) as unknown[]));
    offset = response.headers.get("stream-next-offset")!;
    if (response.headers.get("stream-up-to-date") === "true") return items;
  }
}

test(`transactions are all or nothing across ${CYCLES} kill -9 cycles at random moments`, async () => {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-tx-crash-"));
  dirs.push(dir);
  const writers: Writer[] = Array.from({ length: WRITERS }, (_, w) => ({
    name: `w${w}`,
    next: 0,
    seqs: new Map(),
    acked: new Map(),
    inFlight: undefined,
  }));
  let server = await spawnServer(["--data-dir", dir]);
  live = server;
  for (const path of STREAMS) {
    const created = await fetch(`${server.url}/v1/stream/${path}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
    });
    expect(created.status).toBe(201);
  }
  SOURCE = await sourceTopic(server.url);

  let retried = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const stop = { dead: false };
    const running = [...writers.map((w) => runWriter(server.url, w, stop)), runPlain(server.url, stop)];
    await new Promise((resolve) => setTimeout(resolve, 40 + Math.random() * 200));
    server.child.kill("SIGKILL");
    await server.exited;
    stop.dead = true;
    await Promise.all(running);

    server = await spawnServer(["--data-dir", dir]);
    live = server;
    // Before any retry: the transaction in flight left its appends and its commit, or neither.
    await checkCommits(server.url, writers, await transactionsFound(server.url));
    // A transaction in flight is retried exactly as sent: written now, or answered as duplicates
    // because all of it was written before the crash. Never a conflict: never half of it.
    for (const writer of writers) {
      const transaction = writer.inFlight;
      if (!transaction) continue;
      const response = await send(server.url, transaction.body);
      expect(response.status, `${transaction.id}: ${await response.clone().text()}`).toBe(200);
      writer.acked.set(transaction.id, transaction.on);
      writer.inFlight = undefined;
      retried++;
    }
    await verify(server.url, writers);
  }
  server.child.kill("SIGKILL");
  await server.exited;
  // Meaningful only if real load was interrupted.
  const acknowledged = writers.reduce((n, w) => n + w.acked.size, 0);
  expect(acknowledged).toBeGreaterThan(CYCLES * WRITERS);
  expect(retried).toBeGreaterThan(0);
}, 300_000);

/** A one-partition topic of SOURCE_RECORDS records; the `next_offset` of each. */
async function sourceTopic(url: string): Promise<string[]> {
  const created = await fetch(`${url}/v1/stream/__ds/topics/src`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  expect(created.status).toBe(201);
  const records = Array.from({ length: SOURCE_RECORDS }, (_, n) => ({ value: n }));
  const produced = await fetch(`${url}/v1/stream/__ds/topics/src/records`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(records),
  });
  expect(produced.status).toBe(200);
  return ((await produced.json()) as { records: Array<{ next_offset: string }> }).records.map((r) => r.next_offset);
}

/** The source position each writer's group has committed, as a transaction number (-1: none). */
async function committedNumber(url: string, writer: Writer): Promise<number> {
  const response = await fetch(`${url}/v1/stream/__ds/groups/g-${writer.name}/offsets`);
  if (response.status === 404) return -1;
  expect(response.status).toBe(200);
  const { offsets } = (await response.json()) as { offsets: Array<{ committed: { offset: string } | null }> };
  const offset = offsets[0]?.committed?.offset;
  return offset === undefined ? -1 : SOURCE.indexOf(offset);
}

/** Transaction ids found on the streams, with the streams each is on. */
async function transactionsFound(url: string): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const path of STREAMS) {
    for (const m of await readAll(url, path)) {
      const t = (m as Part).t;
      if (typeof t === "string") found.set(t, [...(found.get(t) ?? []), path]);
    }
  }
  return found;
}

/** Each writer's group is committed exactly to the writer's last transaction on the streams. */
async function checkCommits(url: string, writers: Writer[], found: Map<string, string[]>): Promise<void> {
  for (const writer of writers) {
    const numbers = [...found.keys()]
      .filter((id) => id.startsWith(`${writer.name}-`))
      .map((id) => Number(id.split("-")[1]));
    const last = numbers.length === 0 ? -1 : Math.max(...numbers);
    expect(await committedNumber(url, writer), `${writer.name}'s commit and its appends`).toBe(last);
  }
}

async function verify(url: string, writers: Writer[]): Promise<void> {
  const found = new Map<string, string[]>();
  for (const path of STREAMS) {
    const parts = (await readAll(url, path)).filter((m): m is Part => typeof (m as Part).t === "string");
    const ids = parts.map((part) => part.t);
    expect(new Set(ids).size, `${path} holds a transaction twice`).toBe(ids.length);
    for (const part of parts) {
      expect(part.on).toContain(path);
      found.set(part.t, [...(found.get(part.t) ?? []), path]);
    }
    // Each writer's transactions in the order sent.
    for (const writer of writers) {
      const mine = ids.filter((id) => id.startsWith(`${writer.name}-`)).map((id) => Number(id.split("-")[1]));
      expect(mine, `${writer.name} out of order on ${path}`).toEqual([...mine].sort((a, b) => a - b));
    }
  }
  for (const writer of writers) {
    for (const [id, on] of writer.acked) expect(found.get(id)?.sort(), `acknowledged ${id}`).toEqual([...on].sort());
  }
  await checkCommits(url, writers, found);
  // All or nothing: whatever is anywhere is everywhere it named.
  for (const [id, paths] of found) {
    const writer = writers.find((w) => id.startsWith(`${w.name}-`))!;
    const named = writer.acked.get(id) ?? (writer.inFlight?.id === id ? writer.inFlight.on : undefined);
    expect(named, `${id} was never sent`).toBeDefined();
    expect(paths.sort(), `${id} is partly written`).toEqual([...named!].sort());
  }
}
