/** What MockKafka adds for users' unit tests — seed() and getMessages() — and its batch, pause and subscribe paths. */
import { type KafkaLike, TopicNotFoundError } from "@rivulet/kafka";
import { MockKafka } from "@rivulet/kafka/testing";
import { describe, expect, it } from "vitest";

/** Application code written against the interface: it takes a Kafka or a MockKafka. */
async function publishOrder(kafka: KafkaLike, order: { id: string; customer: string }): Promise<number> {
  const producer = kafka.producer<typeof order>("orders");
  const meta = await producer.send(order, { key: order.customer, headers: { source: "checkout" } });
  await producer.close();
  return meta.partition;
}

describe("MockKafka", () => {
  it("seed() fills a topic and getMessages() shows what the application wrote", async () => {
    const kafka = new MockKafka();
    await kafka.admin().createTopic("orders", { partitions: 3 });
    const partition = await publishOrder(kafka, { id: "o-1", customer: "c-9" });
    expect(kafka.getMessages("orders")).toEqual([
      expect.objectContaining({
        partition,
        seq: 0,
        key: "c-9",
        value: { id: "o-1", customer: "c-9" },
        headers: { source: "checkout" },
      }),
    ]);

    kafka.seed("events", [{ n: 1 }, { n: 2 }]);
    const consumer = kafka.consumer<{ n: number }>("events", { group: "g", offset: "earliest" });
    const values: number[] = [];
    for await (const record of consumer.take(2)) values.push(record.value.n);
    expect(values).toEqual([1, 2]);
    expect(() => kafka.getMessages("nothing")).toThrow(TopicNotFoundError);
  });

  it("batches, pauses and resumes partitions, and pushes records to subscribers", async () => {
    const kafka = new MockKafka();
    kafka.seed("clicks", [1, 2, 3, 4, 5]);
    const batches: number[][] = [];
    for await (const batch of kafka.batchConsumer<number>("clicks", {
      group: "b",
      offset: "earliest",
      maxBatchSize: 2,
      maxWaitMs: 0,
    })) {
      batches.push(batch.records.map((r) => r.value));
      await batch.commit();
      if (batches.flat().length === 5) break;
    }
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(Math.max(...batches.map((b) => b.length))).toBe(2);
    expect((await kafka.admin().describeGroup("b")).totalLag).toBe(0);

    const consumer = kafka.consumer<number>("clicks", { group: "s", offset: "earliest" });
    await consumer.start();
    consumer.pause([{ topic: "clicks", partition: 0 }]);
    expect(consumer.pollReady(5)).toEqual([]);
    consumer.resume([{ topic: "clicks", partition: 0 }]);
    const pushed: number[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer.subscribe({
        next: (record) => {
          pushed.push(record.value);
          if (pushed.length === 5) void consumer.close();
        },
        error: reject,
        complete: resolve,
      });
    });
    expect(pushed).toEqual([1, 2, 3, 4, 5]);
  });
});
