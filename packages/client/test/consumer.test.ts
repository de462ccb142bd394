import { type Batch, type ClientEvent, DurableStream } from "@rivulet/client";
import { Consumer, MemoryOffsetStore, type OffsetStore } from "@rivulet/client/consumer";
import { IdempotentProducer } from "@rivulet/client/producer";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "./support/fault-proxy.js";
import { eventually, startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let proxy: FaultProxy;
beforeAll(async () => {
  server = await startTestServer({ longPollTimeoutMs: 200, sseLifetimeMs: 400 });
  proxy = await startFaultProxy(server.url);
});
afterEach(() => proxy.setRule(undefined));
afterAll(async () => {
  await proxy.close();
  await server.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fastRetry = { initialDelayMs: 5, maxDelayMs: 30 };

async function jsonStream(name: string, items: unknown[] = []) {
  const handle = await DurableStream.create({ url: server.streamUrl(name), contentType: "application/json" });
  if (items.length > 0) await handle.appendJsonBatch(items);
  return handle;
}

describe("Consumer", () => {
  it("hands every batch to the handler and checkpoints after it", async () => {
    const handle = await jsonStream("basic", [1, 2]);
    const store = new MemoryOffsetStore();
    const seen: number[] = [];
    const consumer = new Consumer<number>({
      stream: handle,
      offsetStore: store,
      live: "long-poll",
      handler: (batch) => {
        seen.push(...batch.items);
      },
    });
    await consumer.start();
    await handle.appendJson(3);
    await eventually(() => seen.length === 3);
    await consumer.stop();
    expect(seen).toEqual([1, 2, 3]);
    expect(store.load(handle.url)).toBe((await handle.head()).offset);
    expect(consumer.offset).toBe((await handle.head()).offset);
    expect(await consumer.done).toEqual({ reason: "stopped" });
    expect(consumer.running).toBe(false);
    await expect(new Consumer({ stream: { url: handle.url }, handler: () => {} }).done).rejects.toMatchObject({
      code: "USAGE",
    });
  });

  it("stop() waits for the handler in flight and keeps its checkpoint", async () => {
    const handle = await jsonStream("stop-waits", ["slow"]);
    const store = new MemoryOffsetStore();
    let finished = false;
    let started = false;
    const consumer = new Consumer({
      stream: handle,
      offsetStore: store,
      handler: async () => {
        started = true;
        await sleep(150);
        finished = true;
      },
    });
    await consumer.start();
    await eventually(() => started);
    await consumer.stop();
    expect(finished).toBe(true);
    expect(store.load(handle.url)).toBe((await handle.head()).offset);
  });

  it("a restarted consumer resumes right after the last handled batch: no loss, no duplicates", async () => {
    const handle = await jsonStream("resume");
    const store = new MemoryOffsetStore();
    const handled: number[] = [];
    const make = () =>
      new Consumer<number>({
        stream: { url: handle.url },
        offsetStore: store,
        live: "sse",
        handler: (batch) => {
          handled.push(...batch.items);
        },
      });
    let next = 0;
    for (let round = 0; round < 3; round++) {
      const consumer = make();
      await consumer.start();
      for (let i = 0; i < 4; i++) await handle.appendJson(next++);
      await eventually(() => handled.length === next);
      await consumer.stop();
      // Written while no consumer runs: the next one must pick these up.
      await handle.appendJson(next++);
    }
    const last = make();
    await last.start();
    await eventually(() => handled.length === next);
    await last.stop();
    expect(handled).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it("resumes without loss or duplicates across restarts under faults", async () => {
    const direct = await jsonStream("faults");
    const url = `${proxy.url}${new URL(direct.url).pathname}`;
    let requests = 0;
    const injected = { reset: 0, unavailable: 0 };
    // Faults from the second read on, so every run sees both kinds however few reads it needs.
    proxy.setRule((request) => {
      if (request.method !== "GET") return undefined;
      requests++;
      if (requests % 5 === 2) {
        injected.reset++;
        return { kind: "reset" };
      }
      if (requests % 7 === 3) {
        injected.unavailable++;
        return { kind: "status", status: 503 };
      }
      if (request.url.searchParams.get("live") === "sse" && requests % 3 === 0) return { kind: "cut-after", ms: 40 };
      return undefined;
    });
    const store = new MemoryOffsetStore();
    const handled: number[] = [];
    const total = 40;
    // Written in chunks, each once the consumers have handled the one before, so the items
    // reach the consumers over several runs whatever the timing.
    const writer = (async () => {
      const producer = new IdempotentProducer(direct, "writer", { maxBatchItems: 3 });
      for (let i = 0; i < total; i++) {
        producer.append(i);
        if (i % 10 === 9 && i < total - 1) {
          await producer.flush();
          await eventually(() => handled.length > i, 10_000);
        }
      }
      await producer.close({ closeStream: true });
    })();
    let end: unknown;
    let rounds = 0;
    for (let round = 0; end === undefined; round++) {
      rounds = round + 1;
      const consumer = new Consumer<number>({
        stream: { url, retry: fastRetry },
        offsetStore: store,
        live: "auto",
        reconnect: fastRetry,
        read: { retry: fastRetry, autoFallback: { firstEventTimeoutMs: 300 } },
        handler: async (batch) => {
          handled.push(...batch.items);
          await sleep(3);
        },
      });
      const before = handled.length;
      await consumer.start();
      let ended = false;
      const done = consumer.done.finally(() => {
        ended = true;
      });
      // Interrupted as soon as it made progress, so the loop always ends.
      const progressed = () => ended || handled.length > before;
      const stopped = eventually(progressed, 10_000).then(
        () => "interrupt",
        () => "stalled",
      );
      const winner = await Promise.race([done, stopped]);
      if (winner === "interrupt" || winner === "stalled") await consumer.stop();
      else end = winner;
      if (round > 100) throw new Error("never reached the end of the stream");
    }
    await writer;
    expect(end).toEqual({ reason: "closed" });
    expect(handled).toEqual(Array.from({ length: total }, (_, i) => i));
    // The run really was interrupted: several consumers, and faults on the way.
    expect(rounds).toBeGreaterThanOrEqual(3);
    expect(injected.reset).toBeGreaterThanOrEqual(1);
    expect(injected.unavailable).toBeGreaterThanOrEqual(1);
  });

  it("ends with reason closed at EOF, handing the final batch to the handler", async () => {
    const handle = await jsonStream("eof", ["a"]);
    await handle.close();
    const batches: Batch[] = [];
    const consumer = new Consumer({ stream: handle, handler: (batch) => void batches.push(batch) });
    await consumer.start();
    expect(await consumer.done).toEqual({ reason: "closed" });
    expect(batches.at(-1)?.closed).toBe(true);
    expect(batches.flatMap((b) => b.items)).toEqual(["a"]);
  });

  it("with live: false ends once caught up", async () => {
    const handle = await jsonStream("catch-up", [1, 2]);
    const consumer = new Consumer({ stream: handle, live: false, handler: () => {} });
    await consumer.start();
    expect(await consumer.done).toEqual({ reason: "caught-up" });
  });

  it("pins down offset 'now' in the checkpoint, so a restart does not skip data written meanwhile", async () => {
    const handle = await jsonStream("now", ["old"]);
    const store = new MemoryOffsetStore();
    const seen: unknown[] = [];
    const first = new Consumer({
      stream: handle,
      offsetStore: store,
      startOffset: "now",
      handler: (b) => void seen.push(...b.items),
    });
    await first.start();
    await eventually(() => store.load(handle.url) !== undefined);
    await first.stop();
    await handle.appendJson("while-down");
    const second = new Consumer({
      stream: handle,
      offsetStore: store,
      startOffset: "now",
      handler: (b) => void seen.push(...b.items),
    });
    await second.start();
    await eventually(() => seen.length === 1);
    await second.stop();
    expect(seen).toEqual(["while-down"]);
  });

  it("a failing handler stops the consumer without checkpointing its batch", async () => {
    const handle = await jsonStream("handler-fails", [1]);
    const store = new MemoryOffsetStore();
    const consumer = new Consumer({
      stream: handle,
      offsetStore: store,
      handler: () => {
        throw new Error("cannot handle");
      },
    });
    await consumer.start();
    await expect(consumer.done).rejects.toThrow("cannot handle");
    expect(store.load(handle.url)).toBeUndefined();
  });

  it("onError can retry a failing handler or skip its batch", async () => {
    const handle = await jsonStream("handler-retry", ["flaky", "poison"]);
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    const decisions: string[] = [];
    const consumer = new Consumer<string>({
      stream: handle,
      live: "long-poll",
      reconnect: fastRetry,
      onError: (_error, { phase, attempt }) => {
        const decision = phase === "handler" && attempt < 3 ? "retry" : "skip";
        decisions.push(`${phase}:${attempt}:${decision}`);
        return decision;
      },
      handler: (batch) => {
        for (const item of batch.items) {
          attempts.set(item, (attempts.get(item) ?? 0) + 1);
          if (item === "poison") throw new Error("poison");
        }
        handled.push(...batch.items);
      },
    });
    await consumer.start();
    await eventually(() => decisions.length === 3);
    await handle.appendJson("after");
    await eventually(() => handled.length > 0);
    await consumer.stop();
    // The first batch is retried to the limit, then skipped; the next one is handled.
    expect(decisions).toEqual(["handler:1:retry", "handler:2:retry", "handler:3:skip"]);
    expect(attempts.get("flaky")).toBe(3);
    expect(handled).toEqual(["after"]);
  });

  it("reconnects with backoff through read failures, and stops on errors that cannot heal", async () => {
    const direct = await jsonStream("reconnect", [1]);
    const events: ClientEvent[] = [];
    let failing = 4;
    proxy.setRule((request) =>
      request.method === "GET" && failing-- > 0 ? { kind: "status", status: 503 } : undefined,
    );
    const seen: unknown[] = [];
    const consumer = new Consumer({
      stream: { url: `${proxy.url}${new URL(direct.url).pathname}`, onEvent: (e) => events.push(e) },
      reconnect: fastRetry,
      read: { retry: { ...fastRetry, maxRetries: 1 } },
      handler: (batch) => void seen.push(...batch.items),
    });
    await consumer.start();
    await eventually(() => seen.length === 1);
    await consumer.stop();
    expect(events.filter((e) => e.type === "reconnect").length).toBeGreaterThanOrEqual(4);

    const missing = new Consumer({ stream: { url: server.streamUrl("missing") }, handler: () => {} });
    await missing.start();
    await expect(missing.done).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("takes any OffsetStore, sync or async", async () => {
    const handle = await jsonStream("custom-store", [1]);
    const saved: string[] = [];
    const store: OffsetStore = {
      load: async () => undefined,
      save: async (_key, offset) => {
        await sleep(1);
        saved.push(offset);
      },
    };
    const consumer = new Consumer({
      stream: handle,
      offsetStore: store,
      checkpointKey: "k",
      live: false,
      handler: () => {},
    });
    await consumer.start();
    await consumer.done;
    expect(saved).toEqual([(await handle.head()).offset]);
  });

  it("a handler that gives up when stop() aborts its signal ends the consumer quietly, without a checkpoint", async () => {
    const handle = await jsonStream("gives-up", ["long"]);
    const store = new MemoryOffsetStore();
    let started = false;
    const consumer = new Consumer({
      stream: handle,
      offsetStore: store,
      handler: (_batch, { signal }) =>
        new Promise<void>((_resolve, reject) => {
          started = true;
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
    });
    await consumer.start();
    await eventually(() => started);
    await consumer.stop();
    expect(await consumer.done).toEqual({ reason: "stopped" });
    expect(store.load(handle.url)).toBeUndefined();
  });
});
