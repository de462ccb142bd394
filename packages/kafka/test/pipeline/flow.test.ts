/**
 * kafka.pipeline(): batches by size, timeout and drain, routing to named batchers, commits only
 * of messages whose whole path finished, per-key order through both stages, and drain().
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, type PipelineMessage } from "../../src/index.js";
import {
  createTopic,
  describeGroup,
  groupOffsets,
  produce,
  startTestServer,
  type TestServer,
  uniqueName,
} from "../support/group-server.js";
import { batches, committedAt, eventWatcher } from "./support.js";

let server: TestServer;
let kafka: Kafka;

beforeAll(async () => {
  server = await startTestServer();
  kafka = new Kafka({ url: server.url });
});
afterAll(() => server.close());

describe("pipeline flow", () => {
  it("hands full batches over by size, commits only what the batches finished, and on drain hands over the partial batch", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    const produced = await produce(
      server.base,
      topic,
      Array.from({ length: 5 }, (_, n) => ({ value: n })),
    );
    const handled: number[][] = [];
    const watcher = eventWatcher();
    const pipeline = kafka.pipeline<number>(topic, {
      group,
      offset: "earliest",
      batchers: { size: 2, timeoutMs: 600_000 },
      handleBatch: (_name, messages) => {
        handled.push(messages.map((m) => m.record.value));
      },
      onEvent: watcher.onEvent,
    });
    const running = pipeline.run();
    await watcher.when(committedAt(produced[3]!.next_offset));
    // Record 4 went through handleMessage but waits in its batcher: not finished, not committed.
    expect(handled).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(pipeline.stats()).toMatchObject({ inFlight: 1, waitingInBatchers: 1 });
    expect((await groupOffsets(server.base, group))[0]!.committed?.offset).toBe(produced[4]!.offset);
    await pipeline.drain();
    await running;
    expect(handled).toEqual([[0, 1], [2, 3], [4]]);
    expect(watcher.events.filter(batches).map((e) => e.trigger)).toEqual(["size", "size", "drain"]);
    expect((await groupOffsets(server.base, group))[0]!.committed?.offset).toBe(produced[4]!.next_offset);
    expect((await describeGroup(server.base, group)).member_count).toBe(0);
    expect(watcher.events.some((e) => e.type === "pipeline:drained")).toBe(true);
  });

  it("routes messages to the batcher handleMessage names, with the data it set, and a batch goes when its timeout passes", async () => {
    const topic = uniqueName("events");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    const produced = await produce(server.base, topic, [
      { value: "purchase:1" },
      { value: "view:1" },
      { value: "purchase:2" },
      { value: "skip:1" },
    ]);
    const got: { batcher: string; data: unknown[] }[] = [];
    const watcher = eventWatcher();
    const pipeline = kafka.pipeline<string>(topic, {
      group,
      offset: "earliest",
      batchers: { default: { size: 100, timeoutMs: 20 }, analytics: { size: 100, timeoutMs: 20 } },
      handleMessage: (message: PipelineMessage<string>) => {
        const [kind, id] = message.record.value.split(":");
        if (kind === "view") message.batcher = "analytics";
        if (kind === "skip") message.batcher = undefined;
        message.data = { kind, id: Number(id) };
      },
      handleBatch: (batcher, messages) => {
        got.push({ batcher, data: messages.map((m) => m.data) });
      },
      onEvent: watcher.onEvent,
    });
    const running = pipeline.run();
    await watcher.when(committedAt(produced[3]!.next_offset));
    await pipeline.drain();
    await running;
    expect(got.toSorted((a, b) => a.batcher.localeCompare(b.batcher))).toEqual([
      { batcher: "analytics", data: [{ kind: "view", id: 1 }] },
      {
        batcher: "default",
        data: [
          { kind: "purchase", id: 1 },
          { kind: "purchase", id: 2 },
        ],
      },
    ]);
    expect(watcher.events.filter(batches).map((e) => e.trigger)).toEqual(["timeout", "timeout"]);
  });

  it("never commits past a message whose batch is still being handled, though later messages finished", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    const produced = await produce(
      server.base,
      topic,
      Array.from({ length: 6 }, (_, n) => ({ value: n })),
    );
    let release!: () => void;
    const slowBatch = new Promise<void>((resolve) => (release = resolve));
    const watcher = eventWatcher();
    const pipeline = kafka.pipeline<number>(topic, {
      group,
      offset: "earliest",
      processors: { concurrency: 2 },
      // Values 0-2 go to "slow"; 3-5 to "fast", whose batch finishes first.
      batchers: { slow: { size: 3, timeoutMs: 600_000 }, fast: { size: 3, timeoutMs: 600_000 } },
      handleMessage: (message) => {
        message.batcher = message.record.value < 3 ? "slow" : "fast";
      },
      handleBatch: async (batcher) => {
        if (batcher === "slow") await slowBatch;
      },
      onEvent: watcher.onEvent,
    });
    const running = pipeline.run();
    await watcher.when((e) => batches(e) && e.batcher === "fast");
    expect(pipeline.stats()).toMatchObject({ inFlight: 3, inHandleBatch: 3 });
    expect((await groupOffsets(server.base, group))[0]!.committed).toBeNull();
    expect(watcher.events.some((e) => e.type === "consumer:commit")).toBe(false);
    release();
    await watcher.when(committedAt(produced[5]!.next_offset));
    await pipeline.drain();
    await running;
    expect((await groupOffsets(server.base, group))[0]!.committed?.offset).toBe(produced[5]!.next_offset);
  });

  it("keeps each key's messages in order through handleMessage and through each batcher's batches", async () => {
    const topic = uniqueName("orders");
    await createTopic(server.base, topic, 2);
    const records = Array.from({ length: 60 }, (_, n) => ({ key: `key-${n % 5}`, value: n }));
    await produce(server.base, topic, records);
    const messageOrder = new Map<string, number[]>();
    const batchOrder = new Map<string, number[]>();
    const keysInBatches = new Set<string>();
    let overlapped = false;
    let mostBatches = 0;
    let batchesRunning = 0;
    let handled = 0;
    let allHandled!: () => void;
    const done = new Promise<void>((resolve) => (allHandled = resolve));
    const yieldTimes = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    const pipeline = kafka.pipeline<number>(topic, {
      group: uniqueName("g"),
      offset: "earliest",
      processors: { concurrency: 8 },
      batchers: { size: 3, timeoutMs: 5, concurrency: 4 },
      handleMessage: async (message) => {
        // Varying work so handlers finish out of order.
        await yieldTimes((message.record.value * 7) % 5);
        const key = message.key!;
        messageOrder.set(key, [...(messageOrder.get(key) ?? []), message.record.value]);
      },
      handleBatch: async (_batcher, messages) => {
        const keys = messages.map((m) => m.key!);
        if (keys.some((key) => keysInBatches.has(key))) overlapped = true;
        for (const key of keys) keysInBatches.add(key);
        mostBatches = Math.max(mostBatches, ++batchesRunning);
        await yieldTimes((messages[0]!.record.value * 3) % 4);
        for (const m of messages) batchOrder.set(m.key!, [...(batchOrder.get(m.key!) ?? []), m.record.value]);
        for (const key of keys) keysInBatches.delete(key);
        batchesRunning -= 1;
        handled += messages.length;
        if (handled === records.length) allHandled();
      },
    });
    const running = pipeline.run();
    await done;
    await pipeline.drain();
    await running;
    expect(overlapped).toBe(false);
    for (let k = 0; k < 5; k++) {
      const expected = records.filter((r) => r.key === `key-${k}`).map((r) => r.value);
      expect(messageOrder.get(`key-${k}`)).toEqual(expected);
      expect(batchOrder.get(`key-${k}`)).toEqual(expected);
    }
  });

  it("drains when its signal is aborted, committing finished work and leaving the group", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    const produced = await produce(server.base, topic, [{ value: 1 }, { value: 2 }]);
    const controller = new AbortController();
    const watcher = eventWatcher();
    const pipeline = kafka.pipeline<number>(topic, {
      group,
      offset: "earliest",
      signal: controller.signal,
      onEvent: watcher.onEvent,
    });
    const running = pipeline.run();
    await watcher.when(committedAt(produced[1]!.next_offset));
    controller.abort();
    await running;
    expect((await describeGroup(server.base, group)).member_count).toBe(0);
    expect(watcher.events.some((e) => e.type === "pipeline:drained")).toBe(true);
  });
});
