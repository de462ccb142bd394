/**
 * The producer, transaction, admin, error and retry examples of the kafka-do design, translated
 * to this API and run against a real server. The consuming, pattern, configuration and testing
 * examples are in seed-consumers.test.ts, whose header lists every example and its test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, KafkaError, MessageTooLargeError, TimeoutError, TopicNotFoundError, withRetry } from "../src/index.js";
import { partitionRecords, startTestServer, type TestServer, uniqueName } from "./support/server.js";

let server: TestServer;
let kafka: Kafka;
beforeAll(async () => {
  server = await startTestServer();
  kafka = new Kafka({ url: server.url });
});
afterAll(() => server.close());

async function values(topic: string, partitions = 1): Promise<unknown[]> {
  const all: unknown[] = [];
  for (let p = 0; p < partitions; p++) all.push(...(await partitionRecords(server.url, topic, p)).map((r) => r.value));
  return all;
}

describe("kafka-do examples", () => {
  it("Quick Start: produce", async () => {
    const orders = uniqueName("orders");
    await kafka.admin().createTopic(orders);
    await kafka.producer(orders).send({ order_id: "123", amount: 99.99 });
    expect(await values(orders)).toEqual([
      expect.objectContaining({ key: null, value: { order_id: "123", amount: 99.99 } }),
    ]);
  });

  it("Simple Producer: a value, with a key, with headers", async () => {
    const orders = uniqueName("orders");
    await kafka.admin().createTopic(orders, { partitions: 3 });
    const producer = kafka.producer(orders);
    await producer.send({ order_id: "123", amount: 99.99 });
    const keyed = await producer.send({ order_id: "123", amount: 99.99 }, { key: "customer-456" });
    const headed = await producer.send(
      { order_id: "123" },
      { key: "customer-456", headers: { "correlation-id": "abc-123" } },
    );
    expect(headed.partition).toBe(keyed.partition);
    const stored = await partitionRecords(server.url, orders, headed.partition);
    expect(stored.find((r) => r.seq === headed.seq)!.value).toMatchObject({
      key: "customer-456",
      headers: { "correlation-id": "abc-123" },
    });
    await producer.close();
  });

  it("Batch Producer: values, and values with keys", async () => {
    const orders = uniqueName("orders");
    await kafka.admin().createTopic(orders);
    const producer = kafka.producer(orders);
    await producer.sendBatch([
      { value: { order_id: "124", amount: 49.99 } },
      { value: { order_id: "125", amount: 149.99 } },
      { value: { order_id: "126", amount: 29.99 } },
    ]);
    await producer.sendBatch([
      { key: "cust-1", value: { order_id: "124" } },
      { key: "cust-2", value: { order_id: "125" } },
    ]);
    expect((await values(orders)).map((v) => (v as { key: unknown }).key)).toEqual([
      null,
      null,
      null,
      "cust-1",
      "cust-2",
    ]);
  });

  it("Async Producer: a promise of the metadata", async () => {
    const orders = uniqueName("orders");
    await kafka.admin().createTopic(orders, { partitions: 2 });
    const lines: string[] = [];
    await kafka
      .producer(orders)
      .send({ order_id: "123" })
      .then(
        (metadata) => lines.push(`Sent to partition ${metadata.partition}`),
        (error: Error) => lines.push(`Failed: ${error.message}`),
      );
    expect(lines).toEqual([expect.stringMatching(/^Sent to partition [01]$/)]);
  });

  it("Transactional Producer: commits on success, aborts on exception", async () => {
    const orders = uniqueName("orders");
    await kafka.admin().createTopic(orders);
    await kafka.transaction(orders, async (tx) => {
      await tx.send({ order_id: "123", status: "created" });
      await tx.send({ order_id: "123", status: "validated" });
    });
    await expect(
      kafka.transaction(orders, async (tx) => {
        await tx.send({ order_id: "124", status: "created" });
        throw new Error("validation failed");
      }),
    ).rejects.toThrow("validation failed");
    expect((await values(orders)).map((v) => (v as { value: { status: string } }).value.status)).toEqual([
      "created",
      "validated",
    ]);
  });

  it("Topic Administration", async () => {
    const admin = kafka.admin();
    const orders = uniqueName("orders");
    const old = uniqueName("old-events");
    await admin.createTopic(orders, { partitions: 3, retentionMs: 7 * 24 * 60 * 60 * 1000 });
    await admin.createTopic(old);
    const lines = (await admin.listTopics()).map((topic) => `${topic.name}: ${topic.partitions} partitions`);
    expect(lines).toContain(`${orders}: 3 partitions`);
    const info = await admin.describeTopic(orders);
    expect([info.partitions, info.retentionMs]).toEqual([3, 604_800_000]);
    await admin.alterTopic(orders, { retentionMs: 30 * 24 * 60 * 60 * 1000 });
    expect((await admin.describeTopic(orders)).retentionMs).toBe(2_592_000_000);
    await admin.deleteTopic(old);
    expect((await admin.listTopics()).map((t) => t.name)).not.toContain(old);
  });

  it("Consumer Groups: list, describe with lag, reset to earliest and to a time", async () => {
    const admin = kafka.admin();
    const orders = uniqueName("orders");
    const group = uniqueName("order-processor");
    await admin.createTopic(orders);
    const sent = await kafka.producer(orders).sendBatch([{ value: 1 }, { value: 2 }, { value: 3 }]);
    // A consumer that processed the first record and left.
    await admin.resetOffsets(group, orders, [{ partition: 0, offset: sent[0]!.nextOffset! }]);
    const line = (await admin.listGroups()).find((g) => g.id === group);
    expect(`Group: ${line?.id}, Members: ${line?.memberCount}`).toBe(`Group: ${group}, Members: 0`);
    const info = await admin.describeGroup(group);
    expect([info.state, info.members.length, info.totalLag]).toEqual(["empty", 0, 2]);
    await admin.resetOffsets(group, orders, "earliest");
    expect((await admin.describeGroup(group)).totalLag).toBe(3);
    const yesterday = new Date(Date.now() - 24 * 3600_000);
    await admin.resetOffsets(group, orders, yesterday);
    expect((await admin.describeGroup(group)).partitions[0]!.committedSeq).toBe(0);
  });

  it("Error Handling: typed errors, codes and isRetriable", async () => {
    const order = { order_id: "123" };
    const seen: string[] = [];
    try {
      await kafka.producer(uniqueName("orders")).send(order);
    } catch (error) {
      if (error instanceof TopicNotFoundError) seen.push("Topic not found");
      else if (error instanceof MessageTooLargeError) seen.push("Message too large");
      else if (error instanceof TimeoutError) seen.push("Request timed out");
      else if (error instanceof KafkaError) seen.push(`Kafka error: ${error.code} - ${error.message}`);
      if (error instanceof KafkaError && !error.isRetriable) seen.push("not retriable");
    }
    expect(seen).toEqual(["Topic not found", "not retriable"]);
  });

  it("Retry with Exponential Backoff: withRetry around a send", async () => {
    const orders = uniqueName("orders");
    await kafka.admin().createTopic(orders);
    let failures = 1;
    const flaky = new Kafka({
      url: server.url,
      retries: 0,
      fetch: async (url, init) => {
        if (init.method === "POST" && failures > 0) {
          failures--;
          return new Response(JSON.stringify({ error: { code: "UNAVAILABLE", message: "busy" } }), { status: 503 });
        }
        return fetch(url, init);
      },
    });
    const metadata = await withRetry(() => flaky.producer(orders).send({ order_id: "123" }), {
      maxAttempts: 3,
      baseDelayMs: 10,
    });
    expect(metadata.seq).toBe(0);
    expect(await values(orders)).toHaveLength(1);
  });
});
