/**
 * The consumer against real retention: a server whose background reclaimer trims a stream
 * (size-based retention, small storage units) while a consumer that fell behind still reads
 * it. With `onGone: "earliest"` it reads on from the earliest retained message, hands no
 * message twice, and says how many it skipped; with `"fail"` the run ends with the GoneError.
 */
import { type ClientEvent, compareOffsets, DurableStream, GoneError } from "@rivulet/client";
import { Consumer, MemoryOffsetStore } from "@rivulet/client/consumer";
import { MemoryStore } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    store: new MemoryStore({ unitBytes: 256 }),
    retentionIntervalMs: 10,
    longPollTimeoutMs: 300,
  });
});
afterAll(() => server.close());

/** A JSON stream keeping about 1 KB, with `count` messages `{ n }` appended one by one. */
async function retainedStream(name: string, count: number): Promise<DurableStream> {
  const handle = await DurableStream.create({
    url: server.streamUrl(name),
    contentType: "application/json",
    retentionBytes: 1024,
  });
  await appendNumbers(handle, 0, count);
  return handle;
}

async function appendNumbers(handle: DurableStream, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) await handle.appendJson({ n, pad: "x".repeat(20) });
}

/** A gate the first handler call waits at, and a way to tell it was reached. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let reached = false;
  return {
    open,
    get reached() {
      return reached;
    },
    async pass() {
      reached = true;
      await opened;
    },
  };
}

describe.each([
  ["long-poll", "long-poll" as const, undefined],
  ["catch-up pages", false as const, { limit: 4 }],
])("onGone: earliest while retention trims (%s)", (_name, live, limit) => {
  it("reads on from the earliest retained message: no duplicates, and the skipped count reported", async () => {
    const total = 300;
    const handle = await retainedStream(`earliest-${_name}`, 10);
    const events: ClientEvent[] = [];
    const seen: number[] = [];
    const seqs: number[] = [];
    const offsets: string[] = [];
    let firstBatchEnd: string | undefined;
    const first = gate();
    const consumer = new Consumer<{ n: number }>({
      stream: { url: handle.url, onEvent: (e) => events.push(e) },
      offsetStore: new MemoryOffsetStore(),
      live,
      onGone: "earliest",
      read: { records: limit ?? true },
      reconnect: { initialDelayMs: 1, maxDelayMs: 5 },
      handler: async (batch) => {
        if (seen.length === 0) {
          firstBatchEnd = batch.offset;
          await first.pass();
        }
        seen.push(...batch.items.map((item) => item.n));
        for (const record of batch.records ?? []) {
          seqs.push(record.seq);
          offsets.push(record.offset);
        }
      },
    });
    await consumer.start();
    await eventually(() => first.reached);
    // The consumer holds its first batch while the stream grows and retention trims past it.
    await appendNumbers(handle, 10, total);
    await eventually(async () => ((await handle.offsetAt(0)).seq ?? 0) > 20, 10_000);
    first.open();
    await eventually(
      () => seen.length > 0 && seen.at(-1) === total - 1 && events.some((e) => e.type === "consumer:skipped"),
      10_000,
    );
    await handle.close();
    expect(await consumer.done).toEqual({ reason: live === false ? "caught-up" : "closed" });

    // Each message at most once, in order, and the values are the seqs (one message per append).
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seqs).toEqual(seen);
    const skipped = events.filter((e) => e.type === "consumer:skipped") as Extract<
      ClientEvent,
      { type: "consumer:skipped" }
    >[];
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    for (const event of skipped) {
      expect(event.error).toBeInstanceOf(GoneError);
      expect(event.messages).toBeGreaterThan(0);
    }
    // What was handled plus what was reported skipped is everything, and the gaps are where the skips said.
    const reported = skipped.reduce((sum, event) => sum + event.messages!, 0);
    expect(seen.length + reported).toBe(total);
    const missing = Array.from({ length: total }, (_, n) => n).filter((n) => !seen.includes(n));
    expect(missing.length).toBe(reported);
    // The first batch was whole; the first skip started after it, the last one ended at a message handled.
    const firstBatch = limit?.limit ?? 10;
    expect(seen.slice(0, firstBatch)).toEqual(Array.from({ length: firstBatch }, (_, n) => n));
    expect(skipped[0]!.from).toBe(firstBatchEnd);
    expect(offsets).toContain(skipped.at(-1)!.to);
    expect(seqs[offsets.indexOf(skipped.at(-1)!.to)]).toBe(seen[offsets.indexOf(skipped.at(-1)!.to)]);
  });
});

describe("onGone with real retention", () => {
  it('"fail" (the default) ends the run with the GoneError naming the earliest offset, checkpoint kept', async () => {
    const handle = await retainedStream("fail", 10);
    const store = new MemoryOffsetStore();
    const first = gate();
    let handled = 0;
    let firstBatchEnd: string | undefined;
    const consumer = new Consumer({
      stream: handle,
      offsetStore: store,
      live: "long-poll",
      handler: async (batch) => {
        if (handled === 0) {
          firstBatchEnd = batch.offset;
          await first.pass();
        }
        handled += batch.items.length;
      },
    });
    await consumer.start();
    await eventually(() => first.reached);
    await appendNumbers(handle, 10, 200);
    await eventually(async () => ((await handle.offsetAt(0)).seq ?? 0) > 20, 10_000);
    first.open();
    const error = await consumer.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneError);
    const earliest = (await handle.head()).earliestOffset!;
    expect(compareOffsets((error as GoneError).earliestOffset!, firstBatchEnd!)).toBeGreaterThan(0);
    expect(compareOffsets((error as GoneError).earliestOffset!, earliest)).toBeLessThanOrEqual(0);
    expect((error as GoneError).serverCode).toBe("OFFSET_OUT_OF_RANGE");
    expect(handled).toBe(10);
    // The first batch was checkpointed; nothing past the gap was read.
    expect(store.load(consumer.checkpointKey)).toBe(firstBatchEnd);
  });

  it("without records the consumer still reads on from the earliest offset; the count is unknown", async () => {
    const handle = await retainedStream("no-records", 10);
    const events: ClientEvent[] = [];
    const first = gate();
    const seen: number[] = [];
    const consumer = new Consumer<{ n: number }>({
      stream: { url: handle.url, onEvent: (e) => events.push(e) },
      live: "long-poll",
      onGone: "earliest",
      handler: async (batch) => {
        if (seen.length === 0) await first.pass();
        seen.push(...batch.items.map((item) => item.n));
      },
    });
    await consumer.start();
    await eventually(() => first.reached);
    await appendNumbers(handle, 10, 200);
    await eventually(async () => ((await handle.offsetAt(0)).seq ?? 0) > 20, 10_000);
    first.open();
    await eventually(() => seen.at(-1) === 199, 10_000);
    await consumer.stop();
    const skipped = events.find((e) => e.type === "consumer:skipped");
    expect(skipped).toMatchObject({ messages: undefined });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeLessThan(200);
  });
});
