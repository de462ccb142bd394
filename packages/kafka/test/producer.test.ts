import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Kafka,
  KafkaError,
  MessageTooLargeError,
  PartitionNotFoundError,
  SerializationError,
  TopicNotFoundError,
} from "../src/index.js";
import { jsonSerializer } from "../src/serialization.js";
import { partitionRecords, startTestServer, type TestServer, uniqueName } from "./support/server.js";

let server: TestServer;
let kafka: Kafka;
beforeAll(async () => {
  server = await startTestServer();
  kafka = server.kafka();
});
afterAll(() => server.close());

async function topic(partitions: number): Promise<string> {
  const name = uniqueName("prod");
  await kafka.admin().createTopic(name, { partitions });
  return name;
}

describe("producer.send", () => {
  it("resolves with where each record landed: partition, offset, next offset, seq and append time", async () => {
    const name = await topic(3);
    const producer = kafka.producer(name);
    const sent = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        producer.send({ n: i, text: "ünïcødé ✓" }, { key: `k${i % 7}`, headers: { trace: String(i) } }),
      ),
    );
    await producer.close();
    for (let p = 0; p < 3; p++) {
      const stored = await partitionRecords(server.url, name, p);
      const mine = sent.filter((m) => m.partition === p);
      expect(mine.map((m) => m.seq)).toEqual(stored.map((r) => r.seq));
      mine.forEach((meta, i) => {
        expect(meta).toMatchObject({ topic: name, offset: stored[i]!.offset, nextOffset: stored[i]!.next_offset });
        expect(meta.timestamp).toBe(stored[i]!.ts);
      });
    }
    const first = (await partitionRecords(server.url, name, sent[0]!.partition)).find((r) => r.seq === sent[0]!.seq)!;
    expect(first.value).toEqual({
      key: "k0",
      value: { n: 0, text: "ünïcødé ✓" },
      headers: { trace: "0" },
      ts: expect.any(Number),
    });
  });

  it("keeps per-key order and sends to an explicit partition", async () => {
    const name = await topic(4);
    const producer = kafka.producer(name, { lingerMs: 1, batchBytes: 300 });
    const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send(i, { key: "same" })));
    const pinned = await producer.send("here", { partition: 2, key: "same" });
    await producer.close();
    expect(new Set(sent.map((m) => m.partition)).size).toBe(1);
    expect(sent.map((m) => m.seq)).toEqual(sent.map((_, i) => i + sent[0]!.seq!));
    expect(pinned.partition).toBe(2);
  });

  it("sendBatch resolves in input order; gzip bodies land the same", async () => {
    const name = await topic(2);
    const producer = kafka.producer(name, { compression: "gzip" });
    const batch = Array.from({ length: 30 }, (_, i) => ({ value: { i, pad: "y".repeat(200) }, key: `key-${i}` }));
    const sent = await producer.sendBatch(batch);
    await producer.close();
    expect(sent).toHaveLength(30);
    for (const [i, meta] of sent.entries()) {
      const stored = (await partitionRecords(server.url, name, meta.partition)).find((r) => r.seq === meta.seq)!;
      expect(stored.value).toMatchObject({ key: `key-${i}`, value: { i } });
    }
  });

  it("retries a batch whose answer was lost without writing it twice", async () => {
    const name = await topic(1);
    let dropped = 0;
    const flaky = server.kafka({
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        if (init.method === "POST" && url.endsWith(`/topics/${name}/records`) && dropped === 0) {
          dropped++;
          throw new TypeError("connection reset after the server answered");
        }
        return response;
      },
    });
    const producer = flaky.producer(name, { retryBackoffMs: 1 });
    const meta = await producer.send("once");
    const after = await producer.send("twice");
    await producer.close();
    expect(dropped).toBe(1);
    expect(meta.duplicate).toBe(true);
    expect(after).toMatchObject({ seq: 1 });
    expect((await partitionRecords(server.url, name, 0)).map((r) => r.value.value)).toEqual(["once", "twice"]);
  });

  it("validates values with a schema serializer; a failure is SerializationError and nothing is sent", async () => {
    const name = await topic(1);
    const order = {
      parse(value: unknown) {
        const v = value as { id?: unknown };
        if (typeof v?.id !== "string") throw new Error("id must be a string");
        return v as { id: string };
      },
    };
    const producer = kafka.producer<{ id: string }>(name, { serializer: jsonSerializer(order) });
    await producer.send({ id: "a" });
    const bad = producer.send({ id: 7 } as never);
    await expect(bad).rejects.toBeInstanceOf(SerializationError);
    await expect(bad).rejects.toMatchObject({ code: "SERIALIZATION_FAILED", isRetriable: false });
    const unencodable = kafka.producer(name).send(10n as never);
    await expect(unencodable).rejects.toBeInstanceOf(SerializationError);
    const broken = kafka.producer(name, { serializer: { serialize: () => "{not json" } }).send(1);
    await expect(broken).rejects.toBeInstanceOf(SerializationError);
    await expect(kafka.producer(name).sendBatch([{ value: 1 }, { value: 2n }])).rejects.toBeInstanceOf(
      SerializationError,
    );
    await producer.close();
    expect((await partitionRecords(server.url, name, 0)).map((r) => r.value.value)).toEqual([{ id: "a" }]);
  });

  it("finds a partition added after it started, refreshing the topic's description", async () => {
    const name = await topic(1);
    const producer = kafka.producer(name);
    await producer.send("first");
    await kafka.admin().alterTopic(name, { partitions: 3 });
    const meta = await producer.send("new partition", { partition: 2 });
    await producer.close();
    expect(meta).toMatchObject({ partition: 2, seq: 0 });
  });
});

describe("producer errors", () => {
  it("refuses bad options and arguments with INVALID_ARGUMENT", async () => {
    const name = await topic(1);
    const bad = [
      { batchBytes: 0 },
      { lingerMs: -1 },
      { compression: "zstd" },
      { retries: 1.5 },
      { serializer: {} },
    ] as const;
    for (const options of bad) {
      expect(() => kafka.producer(name, options as never)).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT" }),
      );
    }
    expect(() => kafka.producer("__reserved")).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    const producer = kafka.producer(name);
    await expect(producer.send(1, { key: 5 as never })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(producer.send(1, { partition: -1 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(producer.send(1, { headers: { n: 1 } as never })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(producer.sendBatch("nope" as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await producer.close();
  });

  it("answers TopicNotFoundError for a topic that does not exist", async () => {
    const producer = kafka.producer(uniqueName("absent"));
    const attempt = producer.send(1);
    await expect(attempt).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(attempt).rejects.toMatchObject({ code: "TOPIC_NOT_FOUND", isRetriable: false });
  });

  it("answers PartitionNotFoundError for a partition the topic does not have, or whose stream is gone", async () => {
    const name = await topic(2);
    const producer = kafka.producer(name);
    await expect(producer.send(1, { partition: 5 })).rejects.toBeInstanceOf(PartitionNotFoundError);
    await producer.send("before", { partition: 1 });
    await fetch(`${server.url}/v1/stream/topics/${name}/1`, { method: "DELETE" });
    const gone = producer.send("after", { partition: 1 });
    await expect(gone).rejects.toBeInstanceOf(PartitionNotFoundError);
    await expect(gone).rejects.toMatchObject({ code: "PARTITION_NOT_FOUND" });
    // The other partition is unaffected.
    await expect(producer.send("fine", { partition: 0 })).resolves.toMatchObject({ partition: 0 });
    await producer.close();
  });

  it("answers MessageTooLargeError for a record larger than a batch may be, sending nothing", async () => {
    const name = await topic(1);
    const producer = kafka.producer(name, { batchBytes: 1_000 });
    const attempt = producer.send("z".repeat(2_000));
    await expect(attempt).rejects.toBeInstanceOf(MessageTooLargeError);
    await expect(attempt).rejects.toMatchObject({ code: "MESSAGE_TOO_LARGE" });
    await producer.close();
    expect(await partitionRecords(server.url, name, 0)).toEqual([]);
  });

  it("refuses sends after close(); close() is idempotent and Symbol.asyncDispose closes", async () => {
    const name = await topic(1);
    const producer = kafka.producer(name);
    const pending = producer.send("last");
    await producer.close();
    await expect(pending).resolves.toMatchObject({ seq: 0 });
    await producer.close();
    await expect(producer.send("late")).rejects.toMatchObject({ code: "PRODUCER_CLOSED" });
    {
      await using scoped = kafka.producer(name);
      void scoped.send("scoped");
    }
    expect((await partitionRecords(server.url, name, 0)).map((r) => r.value.value)).toEqual(["last", "scoped"]);
    expect(new KafkaError("X", "y").isRetriable).toBe(false);
  });
});
