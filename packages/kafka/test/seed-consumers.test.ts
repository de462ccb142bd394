/**
 * The consuming, pattern, configuration and testing examples of the kafka-do design, translated
 * to this API and run against a real in-process server (the mock examples against MockKafka).
 *
 * Every example of the design, by heading, and the test that runs its translation:
 *   Quick Start (produce) ............ seed-examples.test.ts "Quick Start: produce"
 *   Quick Start (consume) ............ here "Quick Start: consume"
 *   Simple / Batch / Async Producer .. seed-examples.test.ts (one test each)
 *   Transactional Producer ........... seed-examples.test.ts "Transactional Producer"
 *   Basic Consumer with Generator .... here "Basic Consumer with Generator"
 *   Consumer with Functional Processing  here "Consumer with Functional Processing"
 *   Consumer with Options ............ here "Consumer with Options"
 *   Consumer from Timestamp .......... here "Consumer from Timestamp"
 *   Batch Consumer ................... here "Batch Consumer"
 *   Parallel Consumer with Fibers .... here "Parallel Consumer with Fibers" (process(); the
 *                                      design's version commits in completion order, see README)
 *   Consumer with ReactPHP ........... here "Consumer with ReactPHP" (filter + subscribe)
 *   Stream Processing (all five) ..... not here: kafka.stream is a later piece of work
 *   Topic Administration ............. seed-examples.test.ts "Topic Administration"
 *   Consumer Groups .................. seed-examples.test.ts "Consumer Groups"
 *   Error Handling ................... seed-examples.test.ts "Error Handling"
 *   Exception Hierarchy .............. here "Exception Hierarchy"
 *   Dead Letter Queue Pattern ........ here "Dead Letter Queue Pattern" (by hand, and process())
 *   Retry with Exponential Backoff ... seed-examples.test.ts "Retry with Exponential Backoff"
 *   Configuration (all four) ......... here "Configuration: …"
 *   Laravel Integration (provider, facade, event publishing, queue worker)
 *                                      framework.test.ts (Express route + worker with SIGTERM)
 *   Testing: Mock Client ............. here "Testing: Mock Client" (MockKafka)
 *   Testing: Integration Testing ..... here "Testing: Integration Testing"
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  DisconnectedError,
  filter,
  GroupCoordinatorError,
  Kafka,
  KafkaError,
  MessageTooLargeError,
  NotLeaderError,
  OffsetOutOfRangeError,
  PartitionNotFoundError,
  QuotaExceededError,
  RebalanceInProgressError,
  SerializationError,
  TimeoutError,
  TopicNotFoundError,
  take,
  UnauthorizedError,
} from "../src/index.js";
import { MockKafka } from "../src/testing/index.js";
import { partitionRecords, startTestServer, type TestServer, uniqueName } from "./support/server.js";

interface Order {
  order_id: string;
  amount?: number;
}

let server: TestServer;
let kafka: Kafka;
beforeAll(async () => {
  // Short group timings so joins and leaves happen within a test.
  server = await startTestServer({ groups: { heartbeatIntervalMs: 200, sessionTimeoutMs: 5_000, maxWaitMs: 1_000 } });
  kafka = new Kafka({ url: server.url });
});
afterAll(() => server.close());
afterEach(() => vi.unstubAllEnvs());

/** A topic holding `orders`, in one partition unless asked otherwise. */
async function ordersTopic(orders: unknown[], partitions = 1): Promise<string> {
  const topic = uniqueName("orders");
  await kafka.admin().createTopic(topic, { partitions });
  if (orders.length > 0) await kafka.producer(topic).sendBatch(orders.map((value) => ({ value })));
  return topic;
}

async function lagOf(group: string): Promise<{ totalLag: number; committed: (number | null)[] }> {
  const info = await kafka.admin().describeGroup(group);
  return { totalLag: info.totalLag, committed: info.partitions.map((p) => p.committedSeq) };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("kafka-do consumer examples", () => {
  it("Quick Start: consume", async () => {
    const orders = await ordersTopic([{ order_id: "123", amount: 99.99 }]);
    const group = uniqueName("my-processor");
    const lines: string[] = [];
    for await (const record of kafka.consumer(orders, { group, offset: "earliest" })) {
      lines.push(`Received: ${JSON.stringify(record.value)}`);
      await record.commit();
      break; // the design's loop runs forever; this one stops after the only record
    }
    expect(lines).toEqual(['Received: {"order_id":"123","amount":99.99}']);
    expect(await lagOf(group)).toEqual({ totalLag: 0, committed: [1] });
  });

  it("Basic Consumer with Generator: every field of a record", async () => {
    const orders = await ordersTopic([], 3);
    const before = Date.now();
    const sent = await kafka
      .producer(orders)
      .send({ order_id: "123", amount: 99.99 }, { key: "customer-456", headers: { "correlation-id": "abc-123" } });
    const group = uniqueName("order-processor");
    const lines: string[] = [];
    const processed: unknown[] = [];
    for await (const record of kafka.consumer<Order>(orders, { group, offset: "earliest" })) {
      lines.push(
        `Topic: ${record.topic}`,
        `Partition: ${record.partition}`,
        `Offset: ${record.seq}`,
        `Key: ${record.key}`,
        `Value: ${JSON.stringify(record.value)}`,
        `Timestamp: ${new Date(record.timestamp).toISOString()}`,
        `Headers: ${JSON.stringify(record.headers)}`,
      );
      processed.push(record.value);
      await record.commit();
      break;
    }
    const timestamp = lines[5]!.slice("Timestamp: ".length);
    expect(Date.parse(timestamp)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(timestamp)).toBeLessThanOrEqual(Date.now());
    expect(lines).toEqual([
      `Topic: ${orders}`,
      `Partition: ${sent.partition}`,
      "Offset: 0",
      "Key: customer-456",
      'Value: {"order_id":"123","amount":99.99}',
      `Timestamp: ${timestamp}`,
      'Headers: {"correlation-id":"abc-123"}',
    ]);
    expect(processed).toEqual([{ order_id: "123", amount: 99.99 }]);
    expect((await lagOf(group)).totalLag).toBe(0);
  });

  it("Consumer with Functional Processing: filter, then take from the same group", async () => {
    const orders = await ordersTopic([50, 150, 20, 300, 70, 80].map((amount, n) => ({ order_id: `${n}`, amount })));
    const group = uniqueName("processor");
    const highValue: number[] = [];
    const consumer = kafka.consumer<Order>(orders, { group, offset: "earliest" });
    for await (const record of filter(consumer, (r) => r.value.amount! > 100)) {
      highValue.push(record.value.amount!);
      await record.commit();
      if (highValue.length === 2) break;
    }
    expect(highValue).toEqual([150, 300]);
    // The loop ended at 300 (seq 3): the group goes on after it.
    const next: number[] = [];
    for await (const record of take(kafka.consumer<Order>(orders, { group }), 2)) {
      next.push(record.value.amount!);
      await record.commit();
    }
    expect(next).toEqual([70, 80]);
    expect(await lagOf(group)).toEqual({ totalLag: 0, committed: [6] });
  });

  it("Consumer with Options: earliest, auto-commit, maxPollRecords, sessionTimeoutMs", async () => {
    const orders = await ordersTopic([{ order_id: "1" }, { order_id: "2" }, { order_id: "3" }, { order_id: "4" }]);
    const group = uniqueName("processor");
    const consumer = kafka.consumer<Order>(orders, {
      group,
      offset: "earliest",
      autoCommit: true,
      maxPollRecords: 100,
      sessionTimeoutMs: 30_000,
    });
    const seen: string[] = [];
    for await (const record of consumer) {
      seen.push(record.value.order_id); // no commit(): auto-committed
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(["1", "2", "3"]);
    // Closing (the break) committed every record the loop moved past, and only those: the third,
    // which the loop broke out of, never counted as finished and is delivered again.
    expect(await lagOf(group)).toEqual({ totalLag: 2, committed: [2] });
  });

  it("Consumer from Timestamp: a Date replays from the first record at or after it", async () => {
    const orders = await ordersTopic([]);
    const producer = kafka.producer(orders);
    const first = await producer.send({ order_id: "1" });
    const firstAt = first.timestamp!; // the server's append time, which a Date offset is compared with
    // The server stamps records in milliseconds: let the clock move past the first record's.
    while (Date.now() <= firstAt) await new Promise((resolve) => setImmediate(resolve));
    await producer.send({ order_id: "2" });

    const replay = async (offset: Date) => {
      const lines: string[] = [];
      for await (const record of take(kafka.consumer(orders, { group: uniqueName("replay"), offset }), 1))
        lines.push(`Replaying: ${JSON.stringify(record.value)}`);
      return lines;
    };
    const yesterday = new Date(Date.now() - 24 * 3600_000);
    expect(await replay(yesterday)).toEqual(['Replaying: {"order_id":"1"}']);
    expect(await replay(new Date(firstAt + 1))).toEqual(['Replaying: {"order_id":"2"}']);
  });

  it("Batch Consumer: batches of up to 100, each committed as a whole", async () => {
    const orders = await ordersTopic(Array.from({ length: 250 }, (_, n) => ({ order_id: `${n}` })));
    const group = uniqueName("batch-processor");
    // The design waits 5 s for a partial batch; 300 ms keeps the test short and changes nothing else.
    const consumer = kafka.batchConsumer<Order>(orders, {
      group,
      offset: "earliest",
      maxBatchSize: 100,
      maxWaitMs: 300,
    });
    const processed: string[] = [];
    const sizes: number[] = [];
    for await (const batch of consumer) {
      for (const record of batch) processed.push(record.value.order_id);
      sizes.push(batch.size);
      await batch.commit();
      if (processed.length === 250) break;
    }
    expect(processed).toEqual(Array.from({ length: 250 }, (_, n) => `${n}`));
    expect(sizes[0]).toBe(100);
    expect(Math.max(...sizes)).toBe(100);
    expect(await lagOf(group)).toEqual({ totalLag: 0, committed: [250] });
  });

  it("Parallel Consumer with Fibers: process() with concurrency never commits past unfinished work", async () => {
    const orders = await ordersTopic(Array.from({ length: 10 }, (_, n) => ({ order_id: `${n}` })));
    const group = uniqueName("parallel-processor");
    const slow = gate();
    const othersDone = gate();
    const finished: string[] = [];
    const consumer = kafka.consumer<Order>(orders, { group, offset: "earliest" });
    const processing = consumer.process(
      async (record) => {
        if (record.value.order_id === "0") await slow.promise;
        finished.push(record.value.order_id);
        if (finished.length === 9) othersDone.open();
      },
      { concurrency: 10 },
    );
    await othersDone.promise;
    // Nine of ten finished, all after order 0, which still runs: a commit now covers nothing.
    // (The design's fibers would have committed order 9's offset, skipping order 0 on a crash.)
    await consumer.commit();
    expect((await lagOf(group)).committed).toEqual([null]); // the partition is held, nothing committed
    slow.open();
    await consumer.close(); // waits for order 0, then commits all ten
    await processing;
    expect(finished.at(-1)).toBe("0");
    expect(await lagOf(group)).toEqual({ totalLag: 0, committed: [10] });
  });

  it("Consumer with ReactPHP: filter, then subscribe with next and error", async () => {
    const orders = await ordersTopic([50, 150, 300, 999].map((amount, n) => ({ order_id: `${n}`, amount })));
    const processed: number[] = [];
    const lines: string[] = [];
    const done = new Promise<void>((resolve) => {
      kafka
        .consumer<Order>(orders, { group: uniqueName("reactive-processor"), offset: "earliest" })
        .filter((r) => r.value.amount! > 100)
        .subscribe({
          next: async (record) => {
            if (record.value.amount! > 500) throw new Error(`amount ${record.value.amount} needs review`);
            processed.push(record.value.amount!);
            await record.commit();
          },
          error: (error) => {
            lines.push(`Error: ${(error as Error).message}`);
            resolve();
          },
        });
    });
    await done;
    expect(processed).toEqual([150, 300]);
    expect(lines).toEqual(["Error: amount 999 needs review"]);
  });

  it("Exception Hierarchy: every error class is a KafkaError", () => {
    const classes = [
      TopicNotFoundError,
      PartitionNotFoundError,
      MessageTooLargeError,
      NotLeaderError,
      OffsetOutOfRangeError,
      GroupCoordinatorError,
      RebalanceInProgressError,
      UnauthorizedError,
      QuotaExceededError,
      TimeoutError,
      DisconnectedError,
      SerializationError,
    ];
    for (const ErrorClass of classes) expect(ErrorClass.prototype).toBeInstanceOf(KafkaError);
    expect(classes.map((c) => c.name)).toHaveLength(new Set(classes.map((c) => c.name)).size);
  });
});

describe("kafka-do pattern examples", () => {
  it("Dead Letter Queue Pattern, by hand: a second producer, origin headers, commit either way", async () => {
    const orders = await ordersTopic([{ order_id: "1" }, { order_id: "bad" }, { order_id: "3" }]);
    const dlq = await ordersTopic([]);
    const dlqProducer = kafka.producer(dlq);
    const processed: string[] = [];
    class ProcessingError extends Error {}
    const processOrder = (order: Order) => {
      if (order.order_id === "bad") throw new ProcessingError("no such product");
      processed.push(order.order_id);
    };
    const consumer = kafka.consumer<Order>(orders, { group: uniqueName("processor"), offset: "earliest" });
    for await (const record of take(consumer, 3)) {
      try {
        processOrder(record.value);
      } catch (error) {
        if (!(error instanceof ProcessingError)) throw error;
        await dlqProducer.send(
          { original_record: record.value, error: error.message, timestamp: new Date().toISOString() },
          {
            headers: {
              "original-topic": record.topic,
              "original-partition": String(record.partition),
              "original-offset": String(record.seq),
            },
          },
        );
      }
      await record.commit();
    }
    await dlqProducer.close();
    expect(processed).toEqual(["1", "3"]);
    const letters = await partitionRecords(server.url, dlq, 0);
    expect(letters.map((r) => r.value)).toEqual([
      {
        key: null,
        value: { original_record: { order_id: "bad" }, error: "no such product", timestamp: expect.any(String) },
        headers: { "original-topic": orders, "original-partition": "0", "original-offset": "1" },
        ts: expect.any(Number),
      },
    ]);
  });

  it("Dead Letter Queue Pattern, as a feature: process() with deadLetter sends and commits in one transaction", async () => {
    const orders = await ordersTopic([{ order_id: "1" }, { order_id: "bad" }, { order_id: "3" }]);
    const dlq = await ordersTopic([]);
    const group = uniqueName("processor");
    const processed: string[] = [];
    const allSeen = gate();
    const consumer = kafka.consumer<Order>(orders, { group, offset: "earliest" });
    const processing = consumer.process(
      async (record) => {
        if (record.value.order_id === "bad") throw new Error("no such product");
        processed.push(record.value.order_id);
        if (processed.length === 2) allSeen.open();
      },
      { deadLetter: { topic: dlq, maxAttempts: 1 } },
    );
    await allSeen.promise;
    await consumer.close();
    await processing;
    expect(processed).toEqual(["1", "3"]);
    const letters = await partitionRecords(server.url, dlq, 0);
    expect(letters.map((r) => r.value)).toEqual([
      expect.objectContaining({
        value: { order_id: "bad" },
        headers: expect.objectContaining({
          "original-topic": orders,
          "original-partition": "0",
          "original-seq": "1",
          "error-message": "no such product",
          "error-attempts": "1",
        }),
      }),
    ]);
    expect(await lagOf(group)).toEqual({ totalLag: 0, committed: [3] });
  });
});

describe("kafka-do configuration examples", () => {
  it("Configuration: Environment Variables (RIVULET_URL, RIVULET_TOKEN)", async () => {
    const orders = await ordersTopic([]);
    vi.stubEnv("RIVULET_URL", server.url);
    vi.stubEnv("RIVULET_TOKEN", "your-api-key");
    const sent = await new Kafka().producer(orders).send({ order_id: "123" });
    expect([sent.topic, sent.seq]).toEqual([orders, 0]);
  });

  it("Configuration: Client and Producer Configuration", async () => {
    const orders = await ordersTopic([]);
    const client = new Kafka({ url: server.url, token: "your-api-key", timeoutMs: 30_000, retries: 3 });
    const producer = client.producer(orders, {
      batchBytes: 16_384,
      lingerMs: 5,
      compression: "gzip", // acks "all" has no setting: an answer always means durable
      retries: 3,
      retryBackoffMs: 100,
    });
    const sent = await Promise.all([producer.send({ order_id: "1" }), producer.send({ order_id: "2" })]);
    await producer.close();
    expect(sent.map((m) => m.seq)).toEqual([0, 1]);
    expect((await partitionRecords(server.url, orders, 0)).map((r) => r.value.value)).toEqual([
      { order_id: "1" },
      { order_id: "2" },
    ]);
  });

  it("Configuration: Consumer Configuration (latest, manual commits, fetch and session settings)", async () => {
    const orders = await ordersTopic([{ order_id: "before" }]);
    const group = uniqueName("processor");
    const producer = kafka.producer(orders);
    const consumer = kafka.consumer<Order>(orders, {
      group,
      offset: "latest",
      autoCommit: false,
      fetchMaxWaitMs: 500,
      maxPollRecords: 500,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 3_000,
      // "latest" is settled before onAssigned runs: a record sent from here on is read.
      onAssigned: async () => void (await producer.send({ order_id: "after" })),
    });
    const seen: string[] = [];
    for await (const record of consumer) {
      seen.push(record.value.order_id);
      break;
    }
    expect(seen).toEqual(["after"]);
    // autoCommit false and no commit(): the group left with no committed position anywhere.
    expect((await lagOf(group)).committed).toEqual([]);
  });
});

describe("kafka-do testing examples", () => {
  it("Testing: Mock Client — processes all orders, sends messages", async () => {
    const kafka = new MockKafka();
    kafka.seed("orders", [
      { order_id: "123", amount: 99.99 },
      { order_id: "124", amount: 149.99 },
    ]);
    const processed: Order[] = [];
    for await (const record of take(kafka.consumer<Order>("orders", { group: "test", offset: "earliest" }), 2)) {
      processed.push(record.value);
      await record.commit();
    }
    expect(processed).toHaveLength(2);
    expect(processed[0]!.order_id).toBe("123");

    const sending = new MockKafka();
    await sending.admin().createTopic("orders"); // the mock, like a server, does not create topics on send
    await sending.producer("orders").send({ order_id: "125" });
    const messages = sending.getMessages("orders");
    expect(messages).toHaveLength(1);
    expect((messages[0]!.value as Order).order_id).toBe("125");
  });

  describe("Testing: Integration Testing", () => {
    let client: Kafka;
    let topic: string;
    // The design's setUp names a topic and relies on auto-creation; topics here are created.
    beforeAll(async () => {
      client = new Kafka({ url: server.url });
      topic = `test-orders-${Math.random().toString(16).slice(2, 18)}`;
      await client.admin().createTopic(topic);
    });
    afterAll(async () => {
      await client
        .admin()
        .deleteTopic(topic)
        .catch(() => {});
    });

    it("end to end: produce, then consume it", async () => {
      await client.producer(topic).send({ order_id: "123" });
      const received: string[] = [];
      for await (const record of client.consumer<Order>(topic, { group: "test", offset: "earliest" })) {
        received.push(record.value.order_id);
        break;
      }
      expect(received).toEqual(["123"]);
    });
  });
});
