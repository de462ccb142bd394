/**
 * Consumer pipelines against a real server: several handlers at once, order per key,
 * re-batching by size and time, and checkpoints that never pass unfinished work. A server
 * with small read chunks makes one stream arrive as many read batches.
 */
import { type Batch, DurableStream, InvalidArgumentError } from "@rivulet/client";
import { Consumer, MemoryOffsetStore } from "@rivulet/client/consumer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let small: TestServer;
beforeAll(async () => {
  // One or two small JSON items per read.
  [server, small] = await Promise.all([
    startTestServer({ longPollTimeoutMs: 200 }),
    startTestServer({ chunkBytes: 8 }),
  ]);
});
afterAll(async () => {
  await Promise.all([server.close(), small.close()]);
});

/** A JSON stream with one append per item: read chunks are cut between appends. */
async function jsonStream(where: TestServer, name: string, items: unknown[] = []) {
  const handle = await DurableStream.create({ url: where.streamUrl(name), contentType: "application/json" });
  for (const item of items) await handle.appendJson(item);
  return handle;
}

/** The read batches a reader from the beginning sees: each one's items and the offset after it. */
async function readBatches<T>(handle: DurableStream): Promise<{ items: T[]; offset: string }[]> {
  const out: { items: T[]; offset: string }[] = [];
  for await (const batch of await handle.stream<T>()) out.push({ items: batch.items, offset: batch.offset });
  return out;
}

/** A handler gate: each call waits until the test opens it. */
function gates() {
  const waiting: { batch: Batch<number>; open: () => void }[] = [];
  const handler = (batch: Batch<number>) =>
    new Promise<void>((resolve) => {
      waiting.push({ batch, open: resolve });
    });
  return { waiting, handler };
}

/** A deterministic pseudo-random sequence (the same run every time). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe("concurrency", () => {
  it("runs up to `concurrency` handlers at once, and checkpoints only past finished batches", async () => {
    const handle = await jsonStream(
      small,
      "concurrent",
      Array.from({ length: 12 }, (_, i) => i),
    );
    const reads = await readBatches<number>(handle);
    expect(reads.length).toBeGreaterThanOrEqual(4);
    const store = new MemoryOffsetStore();
    const { waiting, handler } = gates();
    const consumer = new Consumer<number>({ stream: handle, offsetStore: store, live: false, concurrency: 3, handler });
    await consumer.start();
    await eventually(() => waiting.length === 3);
    // The reader waits while three handlers run: no fourth starts.
    expect(waiting.map((w) => w.batch.offset)).toEqual(reads.slice(0, 3).map((r) => r.offset));
    // The second and third finish first: nothing may be checkpointed while the first runs.
    waiting[2]!.open();
    waiting[1]!.open();
    await eventually(() => waiting.length === 5);
    expect(store.load(handle.url)).toBeUndefined();
    waiting[0]!.open();
    await eventually(() => store.load(handle.url) === reads[2]!.offset);
    for (let i = 3; i < reads.length; i++) {
      await eventually(() => waiting.length > i);
      waiting[i]!.open();
    }
    expect(await consumer.done).toEqual({ reason: "caught-up" });
    expect(waiting.flatMap((w) => w.batch.items)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(store.load(handle.url)).toBe(reads.at(-1)!.offset);
  });

  it("whatever order handlers finish in, every checkpoint has all work before it finished", async () => {
    const total = 60;
    const handle = await jsonStream(
      small,
      "any-order",
      Array.from({ length: total }, (_, i) => i),
    );
    const reads = await readBatches<number>(handle);
    const finished = new Set<number>();
    const violations: string[] = [];
    const saves: string[] = [];
    const store = {
      load: () => undefined,
      save: (_key: string, offset: string) => {
        saves.push(offset);
        // Every item of every read up to this offset must be finished already.
        for (const read of reads) {
          if (read.offset > offset) break;
          for (const item of read.items) if (!finished.has(item)) violations.push(`${item} before ${offset}`);
        }
      },
    };
    const random = seeded(7);
    const handled: number[] = [];
    const consumer = new Consumer<number>({
      stream: handle,
      offsetStore: store,
      live: false,
      concurrency: 4,
      handler: async (batch) => {
        // Finish after a random number of turns of the event loop: out of order, without timers.
        for (let turns = Math.floor(random() * 20); turns > 0; turns--) await new Promise(setImmediate);
        for (const item of batch.items) finished.add(item);
        handled.push(...batch.items);
      },
    });
    await consumer.start();
    expect(await consumer.done).toEqual({ reason: "caught-up" });
    expect(violations).toEqual([]);
    expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
    // Out of order for real: some batch finished before an earlier one.
    expect(handled).not.toEqual([...handled].sort((a, b) => a - b));
    expect(saves.at(-1)).toBe(reads.at(-1)!.offset);
    expect(saves.length).toBeGreaterThan(1);
  });

  it("stop() drops batches not yet started; a new consumer handles them: nothing lost", async () => {
    const handle = await jsonStream(
      small,
      "stop-drops",
      Array.from({ length: 12 }, (_, i) => i),
    );
    const store = new MemoryOffsetStore();
    const first = gates();
    const consumer = new Consumer<number>({
      stream: handle,
      offsetStore: store,
      concurrency: 2,
      handler: first.handler,
    });
    await consumer.start();
    await eventually(() => first.waiting.length === 2);
    first.waiting[1]!.open(); // the second finishes, the first is still running at stop()
    const stopping = consumer.stop();
    first.waiting[0]!.open();
    await stopping;
    const handled = first.waiting.flatMap((w) => w.batch.items);
    const seen: number[] = [];
    const second = new Consumer<number>({
      stream: handle,
      offsetStore: store,
      live: false,
      handler: (b) => void seen.push(...b.items),
    });
    await second.start();
    await second.done;
    expect([...new Set([...handled, ...seen])].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});

describe("order per key", () => {
  it("runs one batch per key at a time, in order, while other keys run alongside", async () => {
    const items = Array.from({ length: 24 }, (_, i) => ({ key: i % 2 === 0 ? "a" : "b", n: i }));
    const handle = await jsonStream(small, "keys", items);
    const running = new Map<string, number>();
    const order: Record<string, number[]> = { a: [], b: [] };
    let together = 0;
    const consumer = new Consumer<{ key: string; n: number }>({
      stream: handle,
      live: false,
      concurrency: 4,
      key: (item) => item.key,
      handler: async (batch, { key }) => {
        expect(batch.items.every((item) => item.key === key)).toBe(true);
        expect(running.get(key!)).toBeUndefined();
        running.set(key!, 1);
        if (running.size > 1) together++;
        for (let turns = 0; turns < 3; turns++) await new Promise(setImmediate);
        order[key!]!.push(...batch.items.map((item) => item.n));
        running.delete(key!);
      },
    });
    await consumer.start();
    expect(await consumer.done).toEqual({ reason: "caught-up" });
    expect(order.a).toEqual(items.filter((i) => i.key === "a").map((i) => i.n));
    expect(order.b).toEqual(items.filter((i) => i.key === "b").map((i) => i.n));
    expect(together).toBeGreaterThan(0);
  });
});

describe("re-batching", () => {
  it("cuts handler batches by size across reads, and the last one at the end of a catch-up", async () => {
    const handle = await jsonStream(
      small,
      "sizes",
      Array.from({ length: 10 }, (_, i) => i),
    );
    expect((await readBatches(handle)).length).toBeGreaterThan(2);
    const sizes: number[] = [];
    const seen: number[] = [];
    const consumer = new Consumer<number>({
      stream: handle,
      live: false,
      batchSize: 4,
      batchTimeoutMs: 60_000,
      handler: (batch) => {
        sizes.push(batch.items.length);
        seen.push(...batch.items);
        expect(JSON.parse(batch.text)).toEqual(batch.items);
        expect(batch.closed).toBe(false);
      },
    });
    await consumer.start();
    expect(await consumer.done).toEqual({ reason: "caught-up" });
    expect(sizes).toEqual([4, 4, 2]);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it("hands on a batch that is not full once batchTimeoutMs has passed, and checkpoints it", async () => {
    const handle = await jsonStream(server, "timeout");
    const store = new MemoryOffsetStore();
    const batches: number[][] = [];
    const consumer = new Consumer<number>({
      stream: handle,
      offsetStore: store,
      live: "long-poll",
      batchSize: 100,
      batchTimeoutMs: 50,
      handler: (batch) => void batches.push(batch.items),
    });
    await consumer.start();
    await handle.appendJsonBatch([1, 2, 3]);
    await eventually(() => batches.length === 1);
    expect(batches).toEqual([[1, 2, 3]]);
    await eventually(() => store.load(handle.url) === consumer.offset && consumer.offset !== undefined);
    await consumer.stop();
    expect(store.load(handle.url)).toBe((await handle.head()).offset);
  });

  it("fails with USAGE on a stream that is not JSON: only JSON streams have items to re-batch", async () => {
    const handle = await DurableStream.create({ url: server.streamUrl("text"), contentType: "text/plain" });
    await handle.append("abc");
    const consumer = new Consumer({ stream: handle, batchSize: 2, restart: true, handler: () => {} });
    await consumer.start();
    await expect(consumer.done).rejects.toMatchObject({ code: "USAGE" });
  });

  it("refuses pipeline options that cannot work", () => {
    const handle = new DurableStream({ url: server.streamUrl("options") });
    const option = (options: object) => {
      try {
        new Consumer({ stream: handle, handler: () => {}, ...options });
      } catch (error) {
        if (error instanceof InvalidArgumentError) return error.option;
        throw error;
      }
      return undefined;
    };
    expect(option({ concurrency: 0 })).toBe("concurrency");
    expect(option({ batchSize: 1.5 })).toBe("batchSize");
    expect(option({ batchTimeoutMs: 0 })).toBe("batchTimeoutMs");
    expect(option({ key: "id" })).toBe("key");
    expect(option({ onGone: "latest" })).toBe("onGone");
    expect(option({ restart: "yes" })).toBe("restart");
    expect(option({ restart: { maxRestarts: -1 } })).toBe("restart.maxRestarts");
    expect(option({ restart: { backoff: { initialDelayMs: 0 } } })).toBe("restart.backoff.initialDelayMs");
  });
});
