/**
 * The other ways to consume: operators (filter, map, take), push-style subscribe(), the batch
 * consumer, and pause/resume of partitions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsumerRecord, filter, Kafka, take } from "../../src/index.js";
import {
  createTopic,
  groupOffsets,
  produce,
  startTestServer,
  type TestServer,
  uniqueName,
} from "../support/group-server.js";

let server: TestServer;
let kafka: Kafka;

beforeAll(async () => {
  server = await startTestServer();
  kafka = new Kafka({ url: server.url });
});
afterAll(() => server.close());

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function topicWith(partitions: number, values: { key?: string; value: unknown; partition?: number }[]) {
  const topic = uniqueName("orders");
  await createTopic(server.base, topic, partitions);
  const produced = await produce(server.base, topic, values);
  return { topic, produced };
}

describe("operators", () => {
  it("filter, map and take are lazy, chain, and close the consumer when done, committing what the loop moved past", async () => {
    const { topic, produced } = await topicWith(
      1,
      [50, 150, 20, 300, 500, 120].map((amount) => ({ value: { amount } })),
    );
    const group = uniqueName("g");
    const consumer = kafka.consumer<{ amount: number }>(topic, { group, offset: "earliest" });
    const big = consumer
      .filter((record) => record.value.amount > 100)
      .map((record) => record.value.amount)
      .take(3);
    expect(await collect(big)).toEqual([150, 300, 500]);
    // take(3) ended the loop after 500: everything up to and including it is committed.
    const offsets = await groupOffsets(server.base, group);
    expect(offsets[0]!.committed?.offset).toBe(produced[4]!.next_offset);
    // The next member of the group starts after it.
    const rest = await collect(take(kafka.consumer<{ amount: number }>(topic, { group }), 1));
    expect(rest.map((r) => r.value.amount)).toEqual([120]);
  });

  it("has function forms, as the seed's filter($consumer, fn)", async () => {
    const { topic } = await topicWith(
      1,
      [1, 2, 3, 4].map((value) => ({ value })),
    );
    const consumer = kafka.consumer<number>(topic, { group: uniqueName("g"), offset: "earliest" });
    const even = take(
      filter(consumer, (record) => record.value % 2 === 0),
      2,
    );
    expect((await collect(even)).map((r) => r.value)).toEqual([2, 4]);
  });

  it("subscribe() pushes records one at a time, reports a throwing handler through error, and unsubscribe closes", async () => {
    const { topic } = await topicWith(
      1,
      [1, 2, 3].map((value) => ({ value })),
    );
    const seen: number[] = [];
    let completeCalls = 0;
    const failed = new Promise<unknown>((resolve) => {
      kafka.consumer<number>(topic, { group: uniqueName("g"), offset: "earliest" }).subscribe({
        next: (record: ConsumerRecord<number>) => {
          if (record.value === 3) throw new Error("three");
          seen.push(record.value);
        },
        error: resolve,
        complete: () => completeCalls++,
      });
    });
    expect(await failed).toMatchObject({ message: "three" });
    expect(seen).toEqual([1, 2]);
    expect(completeCalls).toBe(0);

    const got: number[] = [];
    let gotTwo!: () => void;
    const two = new Promise<void>((resolve) => (gotTwo = resolve));
    const subscription = kafka
      .consumer<number>(topic, { group: uniqueName("g"), offset: "earliest" })
      .subscribe((r) => {
        got.push(r.value);
        if (got.length === 2) gotTwo();
      });
    await two;
    await subscription.unsubscribe();
    expect(subscription.closed).toBe(true);
    expect(got.slice(0, 2)).toEqual([1, 2]);
  });
});

describe("batch consumer", () => {
  it("yields full batches by size, then what arrived within maxWaitMs; batch.commit() commits them", async () => {
    const { topic, produced } = await topicWith(
      1,
      Array.from({ length: 7 }, (_, n) => ({ value: n })),
    );
    const group = uniqueName("g");
    const batches = kafka.batchConsumer<number>(topic, {
      group,
      offset: "earliest",
      maxBatchSize: 3,
      maxWaitMs: 200,
      autoCommit: false,
    });
    const sizes: number[][] = [];
    for await (const batch of batches) {
      sizes.push([...batch].map((r) => r.value));
      if (sizes.flat().length === 7) {
        await batch.commit();
        break;
      }
    }
    expect(sizes.flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(sizes.every((batch) => batch.length <= 3)).toBe(true);
    expect(sizes[0]).toHaveLength(3);
    const offsets = await groupOffsets(server.base, group);
    expect(offsets[0]!.committed?.offset).toBe(produced[6]!.next_offset);
  });

  it("refuses a bad batch size with INVALID_ARGUMENT", () => {
    expect(() => kafka.batchConsumer("orders", { group: "g", maxBatchSize: 0 })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});

describe("pause and resume", () => {
  it("hands out nothing of a paused partition until it is resumed", async () => {
    const { topic } = await topicWith(2, [
      { value: "p0-a", partition: 0 },
      { value: "p1-a", partition: 1 },
      { value: "p0-b", partition: 0 },
      { value: "p1-b", partition: 1 },
    ]);
    const consumer = kafka.consumer<string>(topic, { group: uniqueName("g"), offset: "earliest" });
    consumer.pause([{ topic, partition: 1 }]);
    expect(consumer.paused()).toEqual([{ topic, partition: 1 }]);
    const seen: string[] = [];
    for await (const record of consumer) {
      seen.push(record.value);
      if (seen.length === 2) consumer.resume([{ topic, partition: 1 }]);
      if (seen.length === 4) break;
    }
    expect(seen.slice(0, 2)).toEqual(["p0-a", "p0-b"]);
    expect(seen.slice(2).sort()).toEqual(["p1-a", "p1-b"]);
  });
});
