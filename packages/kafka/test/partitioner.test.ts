/**
 * Where keyed records land: the SDK's partitioner against KafkaJS's default partitioner (the
 * Java-compatible murmur2 one) as the oracle, on thousands of random keys, Unicode included;
 * and against the server's keyed produce endpoint, so a key lands on the same partition
 * whichever way it was written. Keyless records are sticky (KIP-480).
 */
import fc from "fast-check";
import { Partitioners, type PartitionMetadata } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Kafka, partitionForKey, StickyPartitioner } from "../src/index.js";
import { startTestServer, type TestServer, uniqueName } from "./support/server.js";

const kafkajs = Partitioners.DefaultPartitioner();

function oracle(key: string, partitions: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, i) => ({
    partitionId: i,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return kafkajs({ topic: "t", partitionMetadata, message: { key, value: "v" } });
}

const unicodeKey = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0x20, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xd7ff }),
      fc.integer({ min: 0xe000, max: 0x10ffff }),
    ),
    { minLength: 1, maxLength: 30 },
  )
  .map((points) => String.fromCodePoint(...points));

const keys = fc.sample(unicodeKey, { numRuns: 3000, seed: 16 });

let server: TestServer;
let kafka: Kafka;
beforeAll(async () => {
  server = await startTestServer();
  kafka = server.kafka();
});
afterAll(() => server.close());

describe("partitionForKey", () => {
  it("agrees with KafkaJS on thousands of random keys and partition counts", () => {
    fc.assert(
      fc.property(unicodeKey, fc.integer({ min: 1, max: 1024 }), (key, partitions) => {
        expect(partitionForKey(key, partitions)).toBe(oracle(key, partitions));
      }),
      { numRuns: 5000 },
    );
  });

  it("the producer sends each key where KafkaJS and the server's keyed produce put it", async () => {
    const topic = uniqueName("keys");
    await kafka.admin().createTopic(topic, { partitions: 12 });
    const producer = kafka.producer(topic, { lingerMs: 20 });
    const sent = await producer.sendBatch(keys.map((key, i) => ({ key, value: i })));
    await producer.close();
    expect(sent.map((meta) => meta.partition)).toEqual(keys.map((key) => oracle(key, 12)));
    const response = await fetch(`${server.url}/v1/stream/__ds/topics/${topic}/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(keys.map((key) => ({ key, value: "via the server" }))),
    });
    const answer = (await response.json()) as { records: { partition: number }[] };
    expect(answer.records.map((r) => r.partition)).toEqual(sent.map((m) => m.partition));
  });
});

describe("StickyPartitioner", () => {
  it("keeps keyless records on one partition until a batch went there, then moves to another", () => {
    let draw = 0;
    const randoms = [0.5, 0.1, 0.9];
    const sticky = new StickyPartitioner(100, () => randoms[draw++ % randoms.length]!);
    const first = [sticky.next(4, 40), sticky.next(4, 40), sticky.next(4, 40)];
    expect(new Set(first).size).toBe(1);
    const next = sticky.next(4, 40);
    expect(next).not.toBe(first[0]);
    // A topic with one partition has no other choice.
    const single = new StickyPartitioner(1);
    expect([single.next(1, 10), single.next(1, 10)]).toEqual([0, 0]);
  });

  it("spreads keyless records of a producer over partitions batch by batch", async () => {
    const topic = uniqueName("sticky");
    await kafka.admin().createTopic(topic, { partitions: 4 });
    const producer = kafka.producer(topic, { stickyBatchBytes: 500 });
    const sent = await producer.sendBatch(
      Array.from({ length: 200 }, (_, i) => ({ value: { i, pad: "x".repeat(40) } })),
    );
    await producer.close();
    const runs = sent.reduce((n, meta, i) => (i > 0 && meta.partition !== sent[i - 1]!.partition ? n + 1 : n), 1);
    // About 500 bytes per run: each partition change starts a new batch, never a change per record.
    expect(runs).toBeGreaterThan(5);
    expect(runs).toBeLessThan(60);
    expect(new Set(sent.map((m) => m.partition)).size).toBeGreaterThan(1);
  });
});
