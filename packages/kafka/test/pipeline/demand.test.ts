/**
 * Bounded demand: at most processors.concurrency messages in handleMessage and
 * batchers.concurrency batches in handleBatch, at most maxInFlight messages taken from the
 * consumer, and fetching pauses once the consumer's buffer is full — with handlers blocked on
 * promises the test controls.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, type PipelineStats } from "../../src/index.js";
import {
  createTopic,
  eventually,
  produce,
  startTestServer,
  type TestServer,
  uniqueName,
} from "../support/group-server.js";
import { counter, gate } from "./support.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** A Kafka whose reads of `topic`'s partition streams are counted in records fetched. */
function countingKafka(topic: string) {
  const fetched = { records: 0 };
  const kafka = new Kafka({
    url: server.url,
    fetch: async (input, init) => {
      const response = await globalThis.fetch(input, init);
      const url = String(input);
      if (url.includes(`/topics/${topic}/`) && url.includes("view=records") && response.ok) {
        const body = (await response.clone().json()) as unknown;
        if (Array.isArray(body)) fetched.records += body.length;
      }
      return response;
    },
  });
  return { kafka, fetched };
}

describe("pipeline demand", () => {
  it("runs at most processors.concurrency handlers, takes no more than maxInFlight, and stops fetching when the buffer is full", async () => {
    const topic = uniqueName("orders");
    await createTopic(server.base, topic, 1);
    const total = 40;
    await produce(
      server.base,
      topic,
      Array.from({ length: total }, (_, n) => ({ key: `k${n}`, value: n })),
    );
    const { kafka, fetched } = countingKafka(topic);
    const gates = Array.from({ length: total }, () => gate());
    const started = counter();
    const finished = counter();
    let running = 0;
    let mostRunning = 0;
    const maxPollRecords = 4;
    const pipeline = kafka.pipeline<number>(topic, {
      group: uniqueName("g"),
      offset: "earliest",
      maxPollRecords,
      processors: { concurrency: 3 },
      handleMessage: async (message) => {
        mostRunning = Math.max(mostRunning, ++running);
        started.add();
        await gates[message.record.value]!.promise;
        running -= 1;
        finished.add();
      },
    });
    const run = pipeline.run();
    await started.reaches(3);
    // The consumer's buffer fills (one fetch held, one more waiting for room) and no read follows.
    await eventually(() => fetched.records >= 3 + maxPollRecords);
    expect(pipeline.stats()).toMatchObject<Partial<PipelineStats>>({ inFlight: 3, inHandleMessage: 3 });
    expect(fetched.records).toBeLessThanOrEqual(3 + 2 * maxPollRecords);
    expect(started.value).toBe(3);
    // One finishing lets exactly one more in.
    gates[0]!.open();
    await started.reaches(4);
    expect(pipeline.stats()).toMatchObject({ inFlight: 3, inHandleMessage: 3 });
    for (const g of gates) g.open();
    await finished.reaches(total);
    await pipeline.drain();
    await run;
    expect(mostRunning).toBe(3);
    expect(fetched.records).toBe(total);
  });

  it("runs at most batchers.concurrency batches and stops taking messages once maxInFlight wait in batches", async () => {
    const topic = uniqueName("orders");
    await createTopic(server.base, topic, 1);
    const total = 30;
    await produce(
      server.base,
      topic,
      Array.from({ length: total }, (_, n) => ({ value: n })),
    );
    const kafka = new Kafka({ url: server.url });
    const release = gate();
    const batchesStarted = counter();
    const handledMessages = counter();
    let mostInFlight = 0;
    let batchesRunning = 0;
    let mostBatches = 0;
    const pipeline = kafka.pipeline<number>(topic, {
      group: uniqueName("g"),
      offset: "earliest",
      processors: { concurrency: 2 },
      batchers: { size: 3, timeoutMs: 600_000, concurrency: 1 },
      handleMessage: () => {
        mostInFlight = Math.max(mostInFlight, pipeline.stats().inFlight);
        handledMessages.add();
      },
      handleBatch: async (_batcher, messages) => {
        mostBatches = Math.max(mostBatches, ++batchesRunning);
        batchesStarted.add();
        await release.promise;
        batchesRunning -= 1;
        for (let i = 0; i < messages.length; i++) handledMessages.add();
      },
    });
    const run = pipeline.run();
    // Default demand: 2 processors + size 3 × (1 running + 1 filling) = 8 messages; the loop
    // takes no 9th until one finishes, so the count stays at 8 while the batch is blocked.
    await handledMessages.reaches(8);
    expect(pipeline.stats()).toMatchObject({ inFlight: 8, inHandleBatch: 3, batchesInHandleBatch: 1 });
    expect(handledMessages.value).toBe(8);
    expect(batchesStarted.value).toBe(1);
    release.open();
    await handledMessages.reaches(total * 2);
    await pipeline.drain();
    await run;
    expect(mostBatches).toBe(1);
    expect(mostInFlight).toBeLessThanOrEqual(8);
  });
});
