/**
 * Pipeline failures: retries with backoff, then dead letter (with its commit, in one
 * transaction), drop with an event, or stop; bad options refused before anything starts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, type PipelineEvent } from "../../src/index.js";
import {
  createTopic,
  groupOffsets,
  produce,
  readPartition,
  startTestServer,
  type TestServer,
  uniqueName,
} from "../support/group-server.js";
import { committedAt, eventWatcher } from "./support.js";

let server: TestServer;
let kafka: Kafka;

beforeAll(async () => {
  server = await startTestServer();
  kafka = new Kafka({ url: server.url });
});
afterAll(() => server.close());

const retries = (stage: "message" | "batch") => (e: PipelineEvent) => e.type === "pipeline:retry" && e.stage === stage;

describe("pipeline failures", () => {
  it("retries a failing message and a failing batch, then dead-letters them with their commit; fail() skips the retries", async () => {
    const topic = uniqueName("orders");
    const dlq = `${topic}-dlq`;
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    await createTopic(server.base, dlq, 1);
    const produced = await produce(server.base, topic, [
      { key: "a", value: "ok" },
      { key: "b", value: "bad-message" },
      { key: "c", value: "bad-batch" },
      { key: "d", value: "rejected" },
      { key: "e", value: "ok" },
    ]);
    const watcher = eventWatcher();
    const batchCalls: string[] = [];
    const pipeline = kafka.pipeline<string>(topic, {
      group,
      offset: "earliest",
      batchers: { size: 1, timeoutMs: 600_000 },
      failures: { maxAttempts: 3, backoffMs: 1, deadLetter: dlq },
      handleMessage: (message) => {
        if (message.record.value === "bad-message") throw new TypeError("price missing");
      },
      handleBatch: (_batcher, [message]) => {
        batchCalls.push(message!.record.value);
        if (message!.record.value === "bad-batch") throw new Error("database down");
        if (message!.record.value === "rejected") message!.fail(new RangeError("quantity too large"));
      },
      onEvent: watcher.onEvent,
    });
    const run = pipeline.run();
    await watcher.when(committedAt(produced[4]!.next_offset));
    await pipeline.drain();
    await run;
    expect(watcher.count(retries("message"))).toBe(2);
    expect(watcher.count(retries("batch"))).toBe(2);
    expect(batchCalls).toEqual(["ok", "bad-batch", "bad-batch", "bad-batch", "rejected", "ok"]);
    type Letter = { key: string; headers: Record<string, string> };
    const letters = (await readPartition(server.base, dlq, 0)).map((l) => l.value as Letter);
    expect(letters.map((l) => [l.key, l.headers["error-message"], l.headers["error-attempts"]])).toEqual([
      ["b", "price missing", "3"],
      ["c", "database down", "3"],
      ["d", "quantity too large", "1"],
    ]);
    expect(letters[0]!.headers).toMatchObject({ "original-topic": topic, "original-offset": produced[1]!.offset });
    expect(watcher.count((e) => e.type === "pipeline:dead-letter")).toBe(3);
    expect((await groupOffsets(server.base, group))[0]!.committed?.offset).toBe(produced[4]!.next_offset);
  });

  it("drops a failed message with an event when asked to, and commits past it", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    const produced = await produce(server.base, topic, [{ value: "ok" }, { value: "bad" }, { value: "ok" }]);
    const watcher = eventWatcher();
    const pipeline = kafka.pipeline<string>(topic, {
      group,
      offset: "earliest",
      failures: { maxAttempts: 1, drop: true },
      handleMessage: (message) => {
        if (message.record.value === "bad") throw new Error("unparseable");
      },
      onEvent: watcher.onEvent,
    });
    const run = pipeline.run();
    await watcher.when(committedAt(produced[2]!.next_offset));
    await pipeline.drain();
    await run;
    const dropped = watcher.events.filter((e) => e.type === "pipeline:dropped");
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ message: { topic, partition: 0, offset: produced[1]!.offset } });
  });

  it("routing to a batcher that does not exist fails the message with UNKNOWN_BATCHER", async () => {
    const topic = uniqueName("orders");
    await createTopic(server.base, topic, 1);
    const produced = await produce(server.base, topic, [{ value: "x" }]);
    const watcher = eventWatcher();
    const pipeline = kafka.pipeline<string>(topic, {
      group: uniqueName("g"),
      offset: "earliest",
      batchers: { size: 10 },
      handleMessage: (message) => {
        message.batcher = "missing";
      },
      handleBatch: () => {},
      failures: { drop: true },
      onEvent: watcher.onEvent,
    });
    const run = pipeline.run();
    await watcher.when(committedAt(produced[0]!.next_offset));
    await pipeline.drain();
    await run;
    const dropped = watcher.events.find((e) => e.type === "pipeline:dropped");
    expect(dropped).toMatchObject({ error: { code: "UNKNOWN_BATCHER" } });
  });

  it("without a dead-letter topic or drop, a failure stops the pipeline with its error and commits stop before it", async () => {
    const topic = uniqueName("orders");
    const group = uniqueName("g");
    await createTopic(server.base, topic, 1);
    const produced = await produce(server.base, topic, [{ value: "ok" }, { value: "bad" }, { value: "ok" }]);
    const pipeline = kafka.pipeline<string>(topic, {
      group,
      offset: "earliest",
      failures: { maxAttempts: 2, backoffMs: 1 },
      handleMessage: (message) => {
        if (message.record.value === "bad") throw new Error("cannot handle bad");
      },
    });
    await expect(pipeline.run()).rejects.toMatchObject({ code: "HANDLER_FAILED", message: "cannot handle bad" });
    expect((await groupOffsets(server.base, group))[0]!.committed?.offset).toBe(produced[1]!.offset);
  });

  it("refuses options that cannot work with INVALID_ARGUMENT naming the option", () => {
    const bad: [string, Record<string, unknown>][] = [
      ["handleBatch", { batchers: { size: 2 } }],
      ["batchers", { handleBatch: () => {} }],
      ["batchers.size", { batchers: { size: 0 }, handleBatch: () => {} }],
      ["batchers.bulk.timeoutMs", { batchers: { bulk: { timeoutMs: -1 } }, handleBatch: () => {} }],
      ["batchers.bulk.sise", { batchers: { bulk: { sise: 3 } }, handleBatch: () => {} }],
      ["processors.concurrency", { processors: { concurrency: 1.5 } }],
      ["failures", { failures: { drop: true, deadLetter: "dlq" } }],
      ["failures.maxAttempts", { failures: { maxAttempts: 0 } }],
      ["handleMessage", { handleMessage: "nope" }],
      ["maxInFlight", { maxInFlight: 0 }],
    ];
    for (const [option, options] of bad) {
      expect(() => kafka.pipeline("orders", { group: "g", ...options })).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining(option) }),
      );
    }
  });
});
