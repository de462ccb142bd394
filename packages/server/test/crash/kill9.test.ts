/**
 * Crash safety under load: a real server process is killed with SIGKILL at random moments
 * while writers append (plain appends and idempotent producers, several streams), then
 * restarted on the same data directory. After each restart every idempotent batch that was in
 * flight is retried with the same (epoch, seq), and every stream is checked:
 * - every acknowledged append is present exactly once, in each writer's order;
 * - every entry read back is a whole append (nothing half-visible);
 * - no duplicates, even of retried producer batches.
 * npm test runs 10 cycles, RIVULET_SOAK=1 runs 100; RIVULET_CRASH_CYCLES sets the count.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { crashCycles } from "../support/soak.js";
import { spawnServer } from "../support/spawn-server.js";

const CYCLES = crashCycles("RIVULET_CRASH_CYCLES", 10, 100);
const PLAIN_STREAMS = 3;
const PRODUCER_STREAMS = 3;

interface Writer {
  readonly stream: string;
  readonly name: string;
  readonly producer: boolean;
  next: number;
  /** Payload numbers acknowledged with a 2xx. */
  readonly acked: Set<number>;
  /** The request in flight when the server died, if any. */
  inFlight: number | undefined;
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function payload(writer: Writer, n: number): string {
  return JSON.stringify({ w: writer.name, n });
}

async function send(url: string, writer: Writer, n: number): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (writer.producer) {
    headers["producer-id"] = writer.name;
    headers["producer-epoch"] = "0";
    headers["producer-seq"] = String(n);
  }
  return fetch(`${url}${writer.stream}`, { method: "POST", headers, body: payload(writer, n) });
}

/** Appends one at a time until the server dies; `acked` hears of each acknowledgement. */
async function runWriter(url: string, writer: Writer, stop: { dead: boolean }, acked: () => void): Promise<void> {
  while (!stop.dead) {
    const n = writer.next;
    writer.inFlight = n;
    let response: Response;
    try {
      response = await send(url, writer, n);
    } catch {
      return; // connection died with the server: outcome unknown, stays in flight
    }
    if (response.status !== 200 && response.status !== 204) {
      throw new Error(`${writer.name} #${n}: unexpected ${response.status} ${await response.text()}`);
    }
    writer.acked.add(n);
    writer.inFlight = undefined;
    writer.next++;
    acked();
  }
}

/**
 * A kill moment measured in progress, not time: once this many more appends are acknowledged
 * (random, at least one per writer), so every cycle interrupts real load however busy the machine.
 */
function untilAcknowledged(count: number): { acked: () => void; reached: Promise<void> } {
  let seen = 0;
  let reach = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  return {
    acked: () => {
      if (++seen === count) reach();
    },
    reached,
  };
}

async function readAll(url: string, stream: string): Promise<Array<{ w: string; n: number }>> {
  const items: Array<{ w: string; n: number }> = [];
  let offset = "-1";
  for (;;) {
    const response = await fetch(`${url}${stream}?offset=${offset}`);
    expect(response.status).toBe(200);
    items.push(...((await response.json()) as Array<{ w: string; n: number }>));
    offset = response.headers.get("stream-next-offset")!;
    if (response.headers.get("stream-up-to-date") === "true") return items;
  }
}

test(`acknowledged appends survive ${CYCLES} kill -9 cycles exactly once`, async () => {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-crash-"));
  dirs.push(dir);
  const writers: Writer[] = [];
  for (let s = 0; s < PLAIN_STREAMS + PRODUCER_STREAMS; s++) {
    const producer = s >= PLAIN_STREAMS;
    const stream = `/v1/stream/crash-${s}`;
    // Two writers per stream, so streams interleave appends from several sources.
    for (const suffix of ["a", "b"]) {
      writers.push({ stream, name: `s${s}${suffix}`, producer, next: 0, acked: new Set(), inFlight: undefined });
    }
  }

  let server = await spawnServer(["--data-dir", dir]);
  for (const stream of new Set(writers.map((w) => w.stream))) {
    const created = await fetch(`${server.url}${stream}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
    });
    expect(created.status).toBe(201);
  }

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const stop = { dead: false };
    const moment = untilAcknowledged(writers.length + 1 + Math.floor(Math.random() * writers.length * 4));
    const running = writers.map((w) => runWriter(server.url, w, stop, moment.acked));
    // A writer that fails ends the wait with its error instead of leaving it hanging.
    await Promise.race([moment.reached, Promise.all(running)]);
    server.child.kill("SIGKILL");
    await server.exited;
    stop.dead = true;
    await Promise.all(running);

    server = await spawnServer(["--data-dir", dir]);
    // Producers retry the in-flight batch with the same (epoch, seq): it must be accepted
    // (never written) or deduplicated (already written), never written twice.
    for (const writer of writers.filter((w) => w.producer && w.inFlight !== undefined)) {
      const n = writer.inFlight!;
      const response = await send(server.url, writer, n);
      expect([200, 204]).toContain(response.status);
      writer.acked.add(n);
      writer.inFlight = undefined;
      writer.next = n + 1;
    }
    // A plain writer does not know whether its in-flight append landed; it moves on.
    for (const writer of writers.filter((w) => !w.producer && w.inFlight !== undefined)) {
      writer.next = writer.inFlight! + 1;
      writer.inFlight = undefined;
    }
    await verify(server.url, writers);
  }
  server.child.kill("SIGKILL");
  await server.exited;
}, 300_000);

async function verify(url: string, writers: Writer[]): Promise<void> {
  for (const stream of new Set(writers.map((w) => w.stream))) {
    const items = await readAll(url, stream);
    for (const writer of writers.filter((w) => w.stream === stream)) {
      const seen = items.filter((item) => item.w === writer.name).map((item) => item.n);
      // Exactly once: no number twice.
      expect(new Set(seen).size, `${writer.name} has duplicates`).toBe(seen.length);
      // In order.
      expect(seen, `${writer.name} out of order`).toEqual([...seen].sort((a, b) => a - b));
      // Every acknowledged append is there.
      const present = new Set(seen);
      for (const n of writer.acked) expect(present.has(n), `${writer.name} lost acknowledged #${n}`).toBe(true);
      // Whatever else is there was really sent (an unacknowledged plain append that landed).
      for (const n of seen) expect(n).toBeLessThan(writer.next);
      if (writer.producer) expect(seen).toEqual([...writer.acked].sort((a, b) => a - b));
    }
    // Nothing half-visible: every item is a whole, known append.
    for (const item of items) expect(writers.some((w) => w.name === item.w && Number.isInteger(item.n))).toBe(true);
  }
}
