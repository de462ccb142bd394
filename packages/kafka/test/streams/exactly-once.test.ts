/**
 * Exactly-once against a server: a step whose transaction cannot commit leaves nothing behind
 * (no output, no changelog entry, no offset), and the restarted application processes the same
 * records once; two instances of one application share the partitions and every aggregate
 * update is written once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka } from "../../src/index.js";
import { partitionRecords, startTestServer, type TestServer, uniqueName } from "../support/server.js";

let server: TestServer;
let kafka: Kafka;

beforeAll(async () => {
  server = await startTestServer();
  kafka = new Kafka({ url: server.url, retryBackoffMs: 5 });
});
afterAll(() => server.close());

async function allValues(topic: string, partitions: number): Promise<{ key: unknown; value: unknown }[]> {
  const out: { key: unknown; value: unknown }[] = [];
  for (let p = 0; p < partitions; p++) {
    for (const r of await partitionRecords(server.url, topic, p)) out.push({ key: r.value.key, value: r.value.value });
  }
  return out;
}

/** Reads `count` records of `topic` (waiting for them), then closes. */
async function read(topic: string, count: number): Promise<{ key: string | null; value: unknown }[]> {
  const consumer = kafka.consumer(topic, { group: uniqueName("reader"), offset: "earliest" });
  const out: { key: string | null; value: unknown }[] = [];
  for await (const record of consumer) {
    out.push({ key: record.key, value: record.value });
    if (out.length === count) break;
  }
  await consumer.close();
  return out;
}

describe("exactly-once stream processing", () => {
  it("a step that cannot commit writes nothing; the restarted application processes its records once", async () => {
    const orders = uniqueName("orders");
    const counts = uniqueName("counts"); // not created yet: the first step's transaction is refused
    await kafka.admin().createTopic(orders);
    const applicationId = uniqueName("app");
    const build = () =>
      kafka
        .stream<{ customer: string }>(orders, { applicationId, offset: "earliest" })
        .groupBy((o) => o.customer, { name: "by-customer" })
        .count({ name: "counts" })
        .to(counts);
    const first = build();
    await first;
    await kafka.producer(orders).sendBatch([{ value: { customer: "c1" } }, { value: { customer: "c1" } }]);
    await expect(first.done).rejects.toMatchObject({ code: "TOPIC_NOT_FOUND" });
    await first.close();

    // Only the repartition step committed (its records and offsets together); the counting step left nothing.
    expect(await allValues(`${applicationId}-counts-changelog`, 1)).toEqual([]);
    const group = await kafka.admin().describeGroup(applicationId);
    expect(group.partitions.filter((p) => p.topic === orders).map((p) => p.lag)).toEqual([0]);

    await kafka.admin().createTopic(counts);
    const second = build();
    await second;
    expect(await read(counts, 2)).toEqual([
      { key: "c1", value: 1 },
      { key: "c1", value: 2 },
    ]);
    await second.close();
    expect(await allValues(counts, 1)).toEqual([
      { key: "c1", value: 1 },
      { key: "c1", value: 2 },
    ]);
    expect((await allValues(`${applicationId}-counts-changelog`, 1)).map((r) => r.value)).toEqual([1, 2]);
  });

  it("two instances share the partitions: every update written once, totals right", async () => {
    const orders = uniqueName("orders");
    const totals = uniqueName("totals");
    await kafka.admin().createTopic(orders, { partitions: 4 });
    await kafka.admin().createTopic(totals, { partitions: 2 });
    const applicationId = uniqueName("app");
    const build = () =>
      kafka
        .stream<{ customer: string; amount: number }>(orders, { applicationId, offset: "earliest" })
        .groupBy((o) => o.customer)
        .reduce(0, (sum, o) => sum + o.amount)
        .to(totals);
    const a = build();
    const b = build();
    await Promise.all([a, b]);
    const customers = ["c1", "c2", "c3", "c4", "c5"];
    const records = Array.from({ length: 40 }, (_, i) => ({
      key: `k${i}`,
      value: { customer: customers[i % 5]!, amount: i },
    }));
    await kafka.producer(orders).sendBatch(records);
    const updates = await read(totals, 40);
    expect((await kafka.admin().describeGroup(applicationId)).members).toHaveLength(2);
    await Promise.all([a.close(), b.close()]);
    const written = await allValues(totals, 2);
    expect(written).toHaveLength(40);
    // Each customer's updates are its running totals in the order its records were processed
    // (partitions interleave, so any order): sorted, their steps are its amounts, each once.
    for (const customer of customers) {
      const mine = updates
        .filter((u) => u.key === customer)
        .map((u) => u.value as number)
        .toSorted((x, y) => x - y);
      const steps = mine.map((total, i) => total - (i === 0 ? 0 : mine[i - 1]!));
      const amounts = records.filter((r) => r.value.customer === customer).map((r) => r.value.amount);
      expect(steps.toSorted((x, y) => x - y)).toEqual(amounts.toSorted((x, y) => x - y));
    }
  });
});
