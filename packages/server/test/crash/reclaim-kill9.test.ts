/**
 * Crash safety of retention: a real server with small segments and a size limit reclaims the
 * head of its streams in the background while writers append (plain and idempotent), and is
 * killed with SIGKILL at random moments. It is restarted on the same data directory without
 * retention (so nothing moves while it is checked), and for every stream:
 * - every acknowledged append that ends after the earliest offset is present exactly once, in
 *   each writer's order, and none that ends at or before it;
 * - at least the retained bytes remain (nothing that should remain was lost);
 * - seqs run without a gap from the earliest message to the next seq.
 * Every cycle waits until retention has trimmed again before it kills, so the kills land while
 * reclaiming goes on; the test proves the load was real and retention really ran.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { crashCycles } from "../support/soak.js";
import { spawnServer } from "../support/spawn-server.js";

const CYCLES = crashCycles("RIVULET_RECLAIM_CRASH_CYCLES", 3, 20);
const RETAINED = 96 * 1024;
const SEGMENTS = ["--segment-size", "32KiB"];
const FLAGS = [...SEGMENTS, "--retention-bytes", String(RETAINED)];
const PAD = "x".repeat(400);

interface Writer {
  readonly stream: string;
  readonly name: string;
  readonly producer: boolean;
  next: number;
  /** Acknowledged payload numbers → the offset just after them. */
  readonly acked: Map<number, number>;
  inFlight: number | undefined;
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const position = (offset: string) => Number(offset.split("_")[1]);

async function send(url: string, writer: Writer, n: number): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (writer.producer)
    Object.assign(headers, { "producer-id": writer.name, "producer-epoch": "0", "producer-seq": String(n) });
  return fetch(`${url}${writer.stream}`, { method: "POST", headers, body: JSON.stringify({ w: writer.name, n, PAD }) });
}

async function runWriter(url: string, writer: Writer, stop: { dead: boolean }): Promise<void> {
  while (!stop.dead) {
    const n = writer.next;
    writer.inFlight = n;
    let response: Response;
    try {
      response = await send(url, writer, n);
    } catch {
      return;
    }
    if (response.status !== 200 && response.status !== 204) {
      throw new Error(`${writer.name} #${n}: unexpected ${response.status} ${await response.text()}`);
    }
    writer.acked.set(n, position(response.headers.get("stream-next-offset")!));
    writer.inFlight = undefined;
    writer.next++;
  }
}

interface Rec {
  seq: number;
  value: { w: string; n: number };
}

async function readRecords(url: string, stream: string): Promise<Rec[]> {
  const records: Rec[] = [];
  let offset = "-1";
  for (;;) {
    const response = await fetch(`${url}${stream}?offset=${offset}&view=records`);
    expect(response.status).toBe(200);
    records.push(...((await response.json()) as Rec[]));
    offset = response.headers.get("stream-next-offset")!;
    if (response.headers.get("stream-up-to-date") === "true") return records;
  }
}

test(`retention reclaiming in the background survives ${CYCLES} kill -9 cycles`, async () => {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-reclaim-crash-"));
  dirs.push(dir);
  const writers: Writer[] = [];
  for (let s = 0; s < 4; s++) {
    const stream = `/v1/stream/reclaim-${s}`;
    for (const suffix of ["a", "b"]) {
      writers.push({
        stream,
        name: `s${s}${suffix}`,
        producer: s % 2 === 1,
        next: 0,
        acked: new Map(),
        inFlight: undefined,
      });
    }
  }
  let server = await spawnServer(["--data-dir", dir, ...FLAGS]);
  for (const stream of new Set(writers.map((w) => w.stream))) {
    expect(
      (await fetch(`${server.url}${stream}`, { method: "PUT", headers: { "content-type": "application/json" } }))
        .status,
    ).toBe(201);
  }
  let trimmedSeen = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const stop = { dead: false };
    const running = writers.map((w) => runWriter(server.url, w, stop));
    // Retention trims at least once in every cycle; the kill then comes at a random moment.
    await trimmedAgain(server.url, [...new Set(writers.map((w) => w.stream))]);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
    server.child.kill("SIGKILL");
    await server.exited;
    stop.dead = true;
    await Promise.all(running);

    server = await spawnServer(["--data-dir", dir, ...SEGMENTS]);
    for (const writer of writers.filter((w) => w.producer && w.inFlight !== undefined)) {
      const n = writer.inFlight!;
      const response = await send(server.url, writer, n);
      expect([200, 204]).toContain(response.status);
      writer.acked.set(n, position(response.headers.get("stream-next-offset")!));
      writer.inFlight = undefined;
      writer.next = n + 1;
    }
    for (const writer of writers.filter((w) => !w.producer && w.inFlight !== undefined)) {
      writer.next = writer.inFlight! + 1;
      writer.inFlight = undefined;
    }
    trimmedSeen += await verify(server.url, writers);
    server.child.kill("SIGKILL");
    await server.exited;
    server = await spawnServer(["--data-dir", dir, ...FLAGS]);
  }
  server.child.kill("SIGKILL");
  await server.exited;
  const acknowledged = writers.reduce((n, w) => n + w.acked.size, 0);
  expect(acknowledged).toBeGreaterThan(CYCLES * 200);
  // Retention really ran: streams had their heads reclaimed.
  expect(trimmedSeen).toBeGreaterThan(0);
}, 300_000);

/** Resolves once the earliest offset of one of the streams has moved past where it was. */
async function trimmedAgain(url: string, streams: readonly string[]): Promise<void> {
  const earliest = async (stream: string) =>
    position((await fetch(`${url}${stream}`, { method: "HEAD" })).headers.get("stream-earliest-offset")!);
  const before = await Promise.all(streams.map(earliest));
  for (;;) {
    const now = await Promise.all(streams.map(earliest));
    if (now.some((at, i) => at > before[i]!)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Checks every stream; returns how many had been trimmed. */
async function verify(url: string, writers: Writer[]): Promise<number> {
  let trimmed = 0;
  for (const stream of new Set(writers.map((w) => w.stream))) {
    const head = await fetch(`${url}${stream}`, { method: "HEAD" });
    const records = await readRecords(url, stream);
    const earliest = position(head.headers.get("stream-earliest-offset")!);
    const tail = position(head.headers.get("stream-next-offset")!);
    if (earliest > 0) trimmed++;
    // Nothing that should remain was reclaimed.
    expect(tail - earliest, `${stream} kept too little`).toBeGreaterThanOrEqual(Math.min(tail, RETAINED));
    // Seqs run without a gap up to the next seq.
    const seqs = records.map((r) => r.seq);
    expect(seqs, `${stream} seqs have a gap`).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(seqs.at(-1)! + 1).toBe(Number(head.headers.get("stream-next-seq")));
    for (const writer of writers.filter((w) => w.stream === stream)) {
      const seen = records.filter((r) => r.value.w === writer.name).map((r) => r.value.n);
      expect(new Set(seen).size, `${writer.name} has duplicates`).toBe(seen.length);
      expect(seen, `${writer.name} out of order`).toEqual([...seen].sort((a, b) => a - b));
      const present = new Set(seen);
      // Whole appends: those ending after the earliest offset are all there, the others all gone.
      for (const [n, end] of writer.acked) {
        expect(present.has(n), `${writer.name} #${n} ending at ${end}, earliest ${earliest}`).toBe(end > earliest);
      }
      for (const n of seen) expect(n).toBeLessThan(writer.next);
    }
  }
  return trimmed;
}
