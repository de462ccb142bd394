/** The seed's stream-processing examples on the in-memory test driver, with exact outputs. */
import { describe, expect, it } from "vitest";
import { hopping, sliding, TopologyTestDriver, tumbling } from "../../src/streams-testing.js";

interface Order {
  customer_id: string;
  amount: number;
  region?: string;
}

const MIN = 60_000;

describe("TopologyTestDriver: the seed's examples", () => {
  it("Filter and Transform: filter → map → to", async () => {
    const driver = new TopologyTestDriver();
    driver
      .stream<Order>("orders")
      .filter((order) => order.amount > 100)
      .map((order) => ({ ...order, tier: "premium" }))
      .to("high-value-orders");
    await driver.pipe("orders", { customer_id: "a", amount: 50 }, { key: "a" });
    await driver.pipe("orders", { customer_id: "b", amount: 150 }, { key: "b", ts: 7 });
    await driver.pipe("orders", { customer_id: "c", amount: 101 });
    expect(driver.output("high-value-orders")).toEqual([
      { key: "b", value: { customer_id: "b", amount: 150, tier: "premium" }, ts: 7, headers: {} },
      { key: null, value: { customer_id: "c", amount: 101, tier: "premium" }, ts: 0, headers: {} },
    ]);
  });

  it("Windowed Aggregations: a tumbling 5-minute count per customer", async () => {
    const driver = new TopologyTestDriver();
    const seen: string[] = [];
    driver
      .stream<Order>("orders")
      .window(tumbling("5m"))
      .groupBy((order) => order.customer_id)
      .count({ name: "orders-per-customer" })
      .each((key, value, window) => seen.push(`${key}: ${value} orders in ${window!.start}-${window!.end}`));
    await driver.pipe("orders", { customer_id: "c1", amount: 1 }, { ts: 1 * MIN });
    await driver.pipe("orders", { customer_id: "c2", amount: 1 }, { ts: 2 * MIN });
    await driver.pipe("orders", { customer_id: "c1", amount: 1 }, { ts: 4 * MIN });
    await driver.pipe("orders", { customer_id: "c1", amount: 1 }, { ts: 6 * MIN });
    expect(seen).toEqual([
      `c1: 1 orders in 0-${5 * MIN}`,
      `c2: 1 orders in 0-${5 * MIN}`,
      `c1: 2 orders in 0-${5 * MIN}`,
      `c1: 1 orders in ${5 * MIN}-${10 * MIN}`,
    ]);
    // The records went through the repartition topic, keyed by customer.
    expect(driver.output("test-app-groupby-0001-repartition").map((r) => r.key)).toEqual(["c1", "c2", "c1", "c1"]);
    // Windows before stream time closed and were forgotten; the open one is in the store.
    expect(driver.store("orders-per-customer")).toEqual(new Map([[`c1@${5 * MIN}-${10 * MIN}`, 1]]));
  });

  it("Branching: each record to the first matching topic", async () => {
    const driver = new TopologyTestDriver();
    driver.stream<Order>("orders").branch([
      [(o) => o.region === "us", "us-orders"],
      [(o) => o.region === "eu", "eu-orders"],
      [() => true, "other-orders"],
    ]);
    for (const region of ["us", "eu", "apac", "us"])
      await driver.pipe("orders", { customer_id: "x", amount: 1, region });
    expect(driver.values("us-orders")).toEqual([
      { customer_id: "x", amount: 1, region: "us" },
      { customer_id: "x", amount: 1, region: "us" },
    ]);
    expect(driver.values("eu-orders")).toEqual([{ customer_id: "x", amount: 1, region: "eu" }]);
    expect(driver.values("other-orders")).toEqual([{ customer_id: "x", amount: 1, region: "apac" }]);
  });

  it("Aggregations: reduce the amounts per customer into a table", async () => {
    const driver = new TopologyTestDriver();
    const lines: string[] = [];
    driver
      .stream<Order>("orders")
      .groupBy((order) => order.customer_id)
      .reduce(0, (total, order) => total + order.amount, { name: "totals" })
      .each((customerId, total) => lines.push(`Customer ${customerId} total: $${total}`));
    await driver.pipe("orders", { customer_id: "c1", amount: 10 });
    await driver.pipe("orders", { customer_id: "c2", amount: 5 });
    await driver.pipe("orders", { customer_id: "c1", amount: 2.5 });
    expect(lines).toEqual(["Customer c1 total: $10", "Customer c2 total: $5", "Customer c1 total: $12.5"]);
    expect(driver.store("totals")).toEqual(
      new Map([
        ["c1", 12.5],
        ["c2", 5],
      ]),
    );
    // Every store change went to the compacted changelog topic, in order.
    expect(driver.output("test-app-totals-changelog").map((r) => [r.key, r.value])).toEqual([
      ["k:c1", 10],
      ["k:c2", 5],
      ["k:c1", 12.5],
    ]);
  });
});

describe("TopologyTestDriver: operators, windows and time", () => {
  it("flatMap, peek, merge and each", async () => {
    const driver = new TopologyTestDriver();
    const peeked: unknown[] = [];
    const got: unknown[] = [];
    const words = driver.stream<string>("lines").flatMap((line) => line.split(" "));
    const more = driver.stream<string>("extra").peek((w) => void peeked.push(w));
    words.merge(more).each((word) => void got.push(word));
    await driver.pipe("lines", "a b");
    await driver.pipe("extra", "c");
    await driver.pipe("lines", "d");
    expect(got).toEqual(["a", "b", "c", "d"]);
    expect(peeked).toEqual(["c"]);
  });

  it("hopping windows: a record counts in every window that holds it", async () => {
    const driver = new TopologyTestDriver();
    driver.stream<number>("n").groupByKey().window(hopping("10s", "5s")).count().to("counts");
    await driver.pipe("n", 1, { key: "k", ts: 7_000 });
    expect(driver.output("counts").map((r) => r.value)).toEqual([
      { start: 0, end: 10_000, value: 1 },
      { start: 5_000, end: 15_000, value: 1 },
    ]);
  });

  it("emit on close: one final result per window once the clock passes end + grace; late records counted and sent aside", async () => {
    const driver = new TopologyTestDriver();
    driver
      .stream<number>("n")
      .groupByKey()
      .window(tumbling("10s", { grace: "5s", emit: "close", lateTopic: "late" }))
      .count()
      .to("counts");
    await driver.pipe("n", 1, { key: "k", ts: 1_000 });
    await driver.pipe("n", 2, { key: "k", ts: 12_000 });
    await driver.pipe("n", 3, { key: "k", ts: 9_000 }); // late but within grace (stream time 12 s < 15 s)
    expect(driver.output("counts")).toEqual([]);
    await driver.pipe("n", 4, { key: "k", ts: 16_000 }); // closes [0, 10 s)
    await driver.pipe("n", 5, { key: "k", ts: 2_000 }); // beyond grace: late
    expect(driver.values("counts")).toEqual([{ start: 0, end: 10_000, value: 2 }]);
    expect(driver.lateRecords).toBe(1);
    expect(driver.output("late")).toEqual([{ key: "k", value: 5, ts: 2_000, headers: {} }]);
    await driver.advanceTime(25_000);
    expect(driver.values("counts")).toEqual([
      { start: 0, end: 10_000, value: 2 },
      { start: 10_000, end: 20_000, value: 2 },
    ]);
  });

  it("sliding windows: the last N ms as of each record, updated by out-of-order records", async () => {
    const driver = new TopologyTestDriver();
    driver
      .stream<number>("n")
      .groupByKey()
      .window(sliding("10s", { grace: "20s" }))
      .reduce(0, (a, v) => a + v)
      .to("sums");
    await driver.pipe("n", 1, { key: "k", ts: 1_000 });
    await driver.pipe("n", 2, { key: "k", ts: 5_000 });
    await driver.pipe("n", 4, { key: "k", ts: 12_000 });
    await driver.pipe("n", 8, { key: "k", ts: 3_000 }); // falls in the windows ending at 5 s and 12 s
    expect(driver.values("sums")).toEqual([
      { start: -8_999, end: 1_001, value: 1 },
      { start: -4_999, end: 5_001, value: 3 },
      { start: 2_001, end: 12_001, value: 6 },
      { start: -6_999, end: 3_001, value: 9 },
      { start: -4_999, end: 5_001, value: 11 },
      { start: 2_001, end: 12_001, value: 14 },
    ]);
  });

  it("a timestamp extractor sets event time from the value", async () => {
    const driver = new TopologyTestDriver();
    driver
      .stream<{ at: number }>("n", { timestamp: (v) => (v as { at: number }).at })
      .groupByKey()
      .window(tumbling("1s"))
      .count()
      .to("counts");
    await driver.pipe("n", { at: 2_500 }, { key: "k", ts: 0 });
    expect(driver.values("counts")).toEqual([{ start: 2_000, end: 3_000, value: 1 }]);
  });

  it("a store past its cap refuses with STATE_STORE_FULL", async () => {
    const driver = new TopologyTestDriver({ maxStoreEntries: 2 });
    driver.stream<number>("n").groupByKey().count().to("counts");
    await driver.pipe("n", 1, { key: "a" });
    await driver.pipe("n", 1, { key: "b" });
    await expect(driver.pipe("n", 1, { key: "c" })).rejects.toMatchObject({ code: "STATE_STORE_FULL" });
    await driver.pipe("n", 1, { key: "a" }); // an existing key still updates
    expect(driver.values("counts")).toEqual([1, 1, 2]);
  });

  it("bad arguments are INVALID_ARGUMENT", () => {
    const driver = new TopologyTestDriver();
    const s = driver.stream("n");
    expect(() => tumbling("5 minutes")).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => hopping("1m", "5m")).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => tumbling("1m", { emit: "sometimes" as never })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => s.filter(42 as never)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => s.branch([])).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => s.merge(new TopologyTestDriver().stream("x"))).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});
