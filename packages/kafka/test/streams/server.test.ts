/**
 * The seed's stream-processing examples against a real server, with exact outputs: the
 * application's group reads the source (and repartition) topics, each step commits its outputs,
 * store changes and offsets in one transaction, and a restarted application restores its
 * aggregates from the changelog and carries on from the committed offsets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, type StreamApp, tumbling } from "../../src/index.js";
import { partitionRecords, startTestServer, type TestServer, uniqueName } from "../support/server.js";

interface Order {
  customer_id: string;
  amount: number;
  region?: string;
}

const MIN = 60_000;
let server: TestServer;
let kafka: Kafka;
const apps: StreamApp[] = [];

beforeAll(async () => {
  server = await startTestServer();
  kafka = new Kafka({ url: server.url, retryBackoffMs: 5 });
});
afterAll(async () => {
  await Promise.allSettled(apps.map((app) => app.close()));
  await server.close();
});

function started(app: StreamApp): StreamApp {
  apps.push(app);
  return app;
}

/** The first `count` values of `topic` as a consumer sees them (waits for them to be written). */
async function read(topic: string, count: number): Promise<{ key: string | null; value: unknown }[]> {
  const consumer = kafka.consumer(topic, { group: uniqueName("reader"), offset: "earliest" });
  const out: { key: string | null; value: unknown }[] = [];
  if (count > 0) {
    for await (const record of consumer) {
      out.push({ key: record.key, value: record.value });
      if (out.length === count) break;
    }
  }
  await consumer.close();
  return out;
}

/** Every value stored in `topic` (one partition). */
async function stored(topic: string): Promise<unknown[]> {
  return (await partitionRecords(server.url, topic, 0)).map((r) => (r.value as { value: unknown }).value);
}

/** A promise resolved once `lines` holds `count` entries, and the callback that fills it. */
function collector(count: number): { lines: string[]; push: (line: string) => void; full: Promise<void> } {
  const lines: string[] = [];
  let resolve!: () => void;
  const full = new Promise<void>((r) => {
    resolve = r;
  });
  return {
    lines,
    full,
    push: (line) => {
      lines.push(line);
      if (lines.length >= count) resolve();
    },
  };
}

describe("kafka.stream against a server", () => {
  it("Filter and Transform: filter → map → to, exactly once", async () => {
    const orders = uniqueName("orders");
    const high = uniqueName("high-value-orders");
    await kafka.admin().createTopic(orders, { partitions: 2 });
    await kafka.admin().createTopic(high, { partitions: 1 });
    const app = started(
      kafka
        .stream<Order>(orders, { applicationId: uniqueName("app"), offset: "earliest" })
        .filter((order) => order.amount > 100)
        .map((order) => ({ ...order, tier: "premium" }))
        .to(high),
    );
    await app;
    await kafka.producer(orders).sendBatch([
      { key: "a", value: { customer_id: "a", amount: 50 } },
      { key: "b", value: { customer_id: "b", amount: 150 } },
      { key: "b", value: { customer_id: "b", amount: 250 } },
    ]);
    expect(await read(high, 2)).toEqual([
      { key: "b", value: { customer_id: "b", amount: 150, tier: "premium" } },
      { key: "b", value: { customer_id: "b", amount: 250, tier: "premium" } },
    ]);
    await app.close();
    await app.done;
    expect(await stored(high)).toHaveLength(2);
  });

  it("Branching: each record to the first matching topic", async () => {
    const orders = uniqueName("orders");
    const [us, eu, other] = [uniqueName("us"), uniqueName("eu"), uniqueName("other")];
    for (const topic of [orders, us, eu, other]) await kafka.admin().createTopic(topic);
    const app = started(
      kafka.stream<Order>(orders, { applicationId: uniqueName("app"), offset: "earliest" }).branch([
        [(o) => o.region === "us", us],
        [(o) => o.region === "eu", eu],
        [() => true, other],
      ]),
    );
    await app;
    const producer = kafka.producer(orders);
    for (const region of ["us", "eu", "apac", "us"]) await producer.send({ customer_id: "x", amount: 1, region });
    expect((await read(us, 2)).map((r) => r.value)).toEqual([
      { customer_id: "x", amount: 1, region: "us" },
      { customer_id: "x", amount: 1, region: "us" },
    ]);
    expect((await read(eu, 1)).map((r) => r.value)).toEqual([{ customer_id: "x", amount: 1, region: "eu" }]);
    expect((await read(other, 1)).map((r) => r.value)).toEqual([{ customer_id: "x", amount: 1, region: "apac" }]);
    await app.close();
  });

  it("Windowed Aggregations: a tumbling 5-minute count per customer through the repartition topic", async () => {
    const orders = uniqueName("orders");
    await kafka.admin().createTopic(orders, { partitions: 2 });
    const applicationId = uniqueName("app");
    const seen = collector(4);
    const app = started(
      kafka
        .stream<Order>(orders, { applicationId, offset: "earliest" })
        .window(tumbling("5m"))
        .groupBy((order) => order.customer_id, { name: "by-customer" })
        .count({ name: "counts" })
        .each((key, value, window) => seen.push(`${key}: ${value} orders in ${window!.start}-${window!.end}`)),
    );
    await app;
    const producer = kafka.producer(orders);
    // One at a time: the order between customers is then the order of the expected lines.
    await producer.send({ customer_id: "c1", amount: 1 }, { key: "c1", timestamp: 1 * MIN });
    await producer.send({ customer_id: "c1", amount: 1 }, { key: "c1", timestamp: 4 * MIN });
    await producer.send({ customer_id: "c1", amount: 1 }, { key: "c1", timestamp: 6 * MIN });
    await producer.send({ customer_id: "c1", amount: 1 }, { key: "c1", timestamp: 7 * MIN });
    await seen.full;
    expect(seen.lines).toEqual([
      `c1: 1 orders in 0-${5 * MIN}`,
      `c1: 2 orders in 0-${5 * MIN}`,
      `c1: 1 orders in ${5 * MIN}-${10 * MIN}`,
      `c1: 2 orders in ${5 * MIN}-${10 * MIN}`,
    ]);
    const topics = (await kafka.admin().listTopics()).map((t) => t.name);
    expect(topics).toEqual(
      expect.arrayContaining([`${applicationId}-by-customer-repartition`, `${applicationId}-counts-changelog`]),
    );
    const changelog = await kafka.admin().describeTopic(`${applicationId}-counts-changelog`);
    expect(changelog.cleanupPolicy).toBe("compact");
    await app.close();
  });

  it("Aggregations: reduce per customer; a restarted application restores its totals from the changelog", async () => {
    const orders = uniqueName("orders");
    await kafka.admin().createTopic(orders);
    const applicationId = uniqueName("app");
    const build = (push: (line: string) => void) =>
      kafka
        .stream<Order>(orders, { applicationId, offset: "earliest" })
        .groupBy((order) => order.customer_id)
        .reduce(0, (total, order) => total + order.amount, { name: "totals" })
        .each((customerId, total) => push(`Customer ${customerId} total: $${total}`));
    const first = collector(2);
    const app = started(build(first.push));
    await app;
    const producer = kafka.producer(orders);
    await producer.send({ customer_id: "c1", amount: 10 });
    await producer.send({ customer_id: "c2", amount: 5 });
    await first.full;
    await app.close();
    expect(first.lines).toEqual(["Customer c1 total: $10", "Customer c2 total: $5"]);

    const second = collector(1);
    const again = started(build(second.push));
    await again;
    await producer.send({ customer_id: "c1", amount: 2.5 });
    await second.full;
    // Nothing processed twice (the offsets were committed with the outputs), and c1's total carried over.
    expect(second.lines).toEqual(["Customer c1 total: $12.5"]);
    await again.close();
  });

  it("Joins: orders joined with customers within an hour, through one join repartition topic", async () => {
    const [orders, customers] = [uniqueName("orders"), uniqueName("customers")];
    await kafka.admin().createTopic(orders, { partitions: 2 });
    await kafka.admin().createTopic(customers);
    const applicationId = uniqueName("app");
    const seen = collector(2);
    const orderStream = kafka.stream<{ id: string; customer_id: string }>(orders, {
      applicationId,
      offset: "earliest",
    });
    const customerStream = kafka.stream<{ id: string; name: string }>(customers, { applicationId, offset: "earliest" });
    const app = started(
      orderStream
        .join(customerStream, { key: [(o) => o.customer_id, (c) => c.id], window: "1h", grace: "1h", name: "enrich" })
        .each(([order, customer]) => seen.push(`Order ${order.id} by ${customer!.name}`)),
    );
    await app;
    // The two topics are read independently: grace lets the customer arrive after the orders.
    await kafka.producer(customers).send({ id: "c1", name: "Ada" }, { timestamp: 0 });
    await kafka.producer(orders).send({ id: "o1", customer_id: "c1" }, { timestamp: 30 * MIN });
    await kafka.producer(orders).send({ id: "o2", customer_id: "c1" }, { timestamp: 50 * MIN });
    await seen.full;
    // Orders without a key may sit in different partitions of `orders`, read side by side: the
    // two joins come in either order.
    expect([...seen.lines].sort()).toEqual(["Order o1 by Ada", "Order o2 by Ada"]);
    expect((await kafka.admin().listTopics()).map((t) => t.name)).toContain(`${applicationId}-enrich-join-repartition`);
    await app.close();
  });

  it("stream–table join against a compacted topic read whole before the application starts", async () => {
    const [orders, customers, out] = [uniqueName("orders"), uniqueName("customers"), uniqueName("out")];
    await kafka.admin().createTopic(orders);
    await kafka.admin().createTopic(customers, { partitions: 3, cleanupPolicy: "compact" });
    await kafka.admin().createTopic(out);
    await kafka.producer(customers).sendBatch([
      { key: "c1", value: { name: "Ada" } },
      { key: "c2", value: { name: "Grace" } },
    ]);
    const applicationId = uniqueName("app");
    const table = kafka.globalTable<{ name: string }>(customers, { applicationId });
    const app = started(
      kafka
        .stream<{ id: string; customer_id: string }>(orders, { applicationId, offset: "earliest" })
        .joinTable(table, { key: (order) => order.customer_id })
        .map(([order, customer]) => `${order.id} by ${customer!.name}`)
        .to(out),
    );
    await app;
    await kafka
      .producer(orders)
      .sendBatch([
        { value: { id: "o1", customer_id: "c2" } },
        { value: { id: "o2", customer_id: "nobody" } },
        { value: { id: "o3", customer_id: "c1" } },
      ]);
    expect((await read(out, 2)).map((r) => r.value)).toEqual(["o1 by Grace", "o3 by Ada"]);
    await app.close();
  });

  it('offset "latest": records before the first start are skipped, internal topics are still read from their start', async () => {
    const orders = uniqueName("orders");
    const out = uniqueName("out");
    await kafka.admin().createTopic(orders, { partitions: 2 });
    await kafka.admin().createTopic(out);
    await kafka.producer(orders).send({ customer_id: "old", amount: 1 }, { key: "old" });
    const app = started(
      kafka
        .stream<Order>(orders, { applicationId: uniqueName("app") })
        .groupBy((o) => o.customer_id)
        .count()
        .to(out),
    );
    await app;
    await kafka.producer(orders).sendBatch([
      { key: "new", value: { customer_id: "new", amount: 1 } },
      { key: "new", value: { customer_id: "new", amount: 1 } },
    ]);
    expect(await read(out, 2)).toEqual([
      { key: "new", value: 1 },
      { key: "new", value: 2 },
    ]);
    await app.close();
    expect(await stored(out)).toHaveLength(2);
  });

  it("at-least-once: the same outputs without a transaction per step", async () => {
    const orders = uniqueName("orders");
    const out = uniqueName("out");
    await kafka.admin().createTopic(orders);
    await kafka.admin().createTopic(out);
    const app = started(
      kafka
        .stream<number>(orders, { applicationId: uniqueName("app"), offset: "earliest", processing: "at-least-once" })
        .map((n) => n * 2)
        .to(out),
    );
    await app;
    await kafka.producer(orders).sendBatch([{ value: 1 }, { value: 2 }, { value: 3 }]);
    expect((await read(out, 3)).map((r) => r.value)).toEqual([2, 4, 6]);
    await app.close();
  });

  it("a failing operator stops the application: done rejects with its error and the record is not committed", async () => {
    const orders = uniqueName("orders");
    await kafka.admin().createTopic(orders);
    const app = started(
      kafka.stream<number>(orders, { applicationId: uniqueName("app"), offset: "earliest" }).each(() => {
        throw new Error("boom");
      }),
    );
    await app;
    await kafka.producer(orders).send(1);
    await expect(app.done).rejects.toMatchObject({ code: "STREAM_FAILED" });
  });

  it("bad options are INVALID_ARGUMENT; a missing source topic rejects the start", async () => {
    expect(() => kafka.stream("orders", {} as never)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => kafka.stream("orders", { applicationId: "a", processing: "twice" as never })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    const app = kafka.stream(uniqueName("missing"), { applicationId: uniqueName("app") }).each(() => {});
    await expect(app).rejects.toMatchObject({ code: "TOPIC_NOT_FOUND" });
    await expect(app.done).rejects.toMatchObject({ code: "TOPIC_NOT_FOUND" });
    // A global table whose topic is missing stops the start too.
    const orders = uniqueName("orders");
    await kafka.admin().createTopic(orders);
    const applicationId = uniqueName("app");
    const table = kafka.globalTable(uniqueName("missing-table"), { applicationId });
    const joined = kafka
      .stream(orders, { applicationId })
      .joinTable(table, { key: String })
      .each(() => {});
    await expect(joined).rejects.toMatchObject({ code: "TOPIC_NOT_FOUND" });
    expect(() => kafka.globalTable("t", { applicationId: "bad id!" })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});
