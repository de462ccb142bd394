/**
 * Windowed stream–stream joins on the test driver: the seed's join example with exact outputs,
 * the left join's null for an unmatched record, and a property: the join equals a nested-loop
 * join over the same records (pairs of equal key at most `window` apart, records later than
 * grace left out).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TopologyTestDriver } from "../../src/streams-testing.js";

interface Order {
  id: string;
  customer_id: string;
}
interface Customer {
  id: string;
  name: string;
}

describe("join", () => {
  it("the seed's example: orders joined with customers within an hour", async () => {
    const driver = new TopologyTestDriver();
    const lines: string[] = [];
    const orders = driver.stream<Order>("orders");
    const customers = driver.stream<Customer>("customers");
    orders
      .join(customers, { key: [(order) => order.customer_id, (customer) => customer.id], window: "1h", grace: "15m" })
      .each(([order, customer]) => void lines.push(`Order ${order.id} by ${customer!.name}`));
    await driver.pipe("customers", { id: "c1", name: "Ada" }, { ts: 0 });
    await driver.pipe("orders", { id: "o1", customer_id: "c1" }, { ts: 30 * 60_000 });
    await driver.pipe("orders", { id: "o2", customer_id: "c2" }, { ts: 40 * 60_000 });
    await driver.pipe("orders", { id: "o3", customer_id: "c1" }, { ts: 61 * 60_000 }); // more than 1 h after c1
    await driver.pipe("customers", { id: "c2", name: "Grace" }, { ts: 50 * 60_000 }); // 11 min late: within grace
    expect(lines).toEqual(["Order o1 by Ada", "Order o2 by Grace"]);
  });

  it("left join: an unmatched left record is emitted with null once its window has passed", async () => {
    const driver = new TopologyTestDriver();
    const left = driver.stream<string>("l");
    left.join(driver.stream<string>("r"), { key: [(v) => v[0]!, (v) => v[0]!], window: 1_000, type: "left" }).to("out");
    await driver.pipe("l", "a-left", { ts: 0 });
    await driver.pipe("l", "b-left", { ts: 0 });
    await driver.pipe("r", "a-right", { ts: 500 });
    expect(driver.values("out")).toEqual([["a-left", "a-right"]]);
    await driver.advanceTime(1_001);
    expect(driver.values("out")).toEqual([
      ["a-left", "a-right"],
      ["b-left", null],
    ]);
  });

  it("stream–table join: each order looks its customer up in the global table, as it is then", async () => {
    const driver = new TopologyTestDriver();
    const customers = driver.globalTable<Customer>("customers");
    driver
      .stream<Order>("orders")
      .joinTable(customers, { key: (order) => order.customer_id, type: "left" })
      .map(([order, customer]) => `${order.id}: ${customer?.name ?? "unknown"}`)
      .to("out");
    await driver.pipe("customers", { id: "c1", name: "Ada" }, { key: "c1" });
    await driver.pipe("orders", { id: "o1", customer_id: "c1" });
    await driver.pipe("orders", { id: "o2", customer_id: "c2" });
    await driver.pipe("customers", { id: "c1", name: "Ada L." }, { key: "c1" });
    await driver.pipe("orders", { id: "o3", customer_id: "c1" });
    await driver.pipe("customers", null, { key: "c1" }); // a tombstone removes the key
    await driver.pipe("orders", { id: "o4", customer_id: "c1" });
    expect(driver.values("out")).toEqual(["o1: Ada", "o2: unknown", "o3: Ada L.", "o4: unknown"]);
  });

  it("bad join options are INVALID_ARGUMENT", () => {
    const driver = new TopologyTestDriver();
    const s = driver.stream("a");
    expect(() => s.join(driver.stream("b"), { key: [(v: unknown) => String(v)] as never, window: "1m" })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => s.join(driver.stream("b"), { key: [String, String], window: "1m", type: "outer" as never })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => s.join(new TopologyTestDriver().stream("b"), { key: [String, String], window: "1m" })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => s.joinTable(new TopologyTestDriver().globalTable("t"), { key: String })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => s.joinTable(driver.globalTable("t"), { key: String, type: "outer" as never })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });

  it("equals a nested-loop join over random out-of-order records", async () => {
    const record = fc.record({
      side: fc.constantFrom("l", "r"),
      key: fc.constantFrom("a", "b"),
      ts: fc.integer({ min: 0, max: 40 }).map((n) => n * 250),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 40 }),
        fc.integer({ min: 0, max: 8 }).map((n) => n * 250),
        fc.integer({ min: 0, max: 8 }).map((n) => n * 250),
        fc.constantFrom("inner", "left"),
        async (input, window, grace, type) => {
          const driver = new TopologyTestDriver();
          driver
            .stream<number>("l")
            .join(driver.stream<number>("r"), {
              key: [(_v, r) => r.key!, (_v, r) => r.key!],
              window,
              grace,
              type: type as "inner" | "left",
            })
            .to("out");
          const tagged = input.map((r, i) => ({ ...r, id: i }));
          for (const r of tagged) await driver.pipe(r.side, r.id, { key: r.key, ts: r.ts });
          await driver.advanceTime(1_000_000);

          // The nested loop: which records are not late, then every pair.
          let streamTime = Number.NEGATIVE_INFINITY;
          const accepted = tagged.filter((r) => {
            streamTime = Math.max(streamTime, r.ts);
            return r.ts + grace >= streamTime;
          });
          const expected: string[] = [];
          for (const l of accepted.filter((r) => r.side === "l")) {
            let matched = false;
            for (const r of accepted.filter((x) => x.side === "r")) {
              if (l.key === r.key && Math.abs(l.ts - r.ts) <= window) {
                expected.push(`${l.id}-${r.id}`);
                matched = true;
              }
            }
            if (!matched && type === "left") expected.push(`${l.id}-null`);
          }
          const got = driver.values("out").map((v) => (v as [number, number | null]).join("-").replace(/-$/, "-null"));
          expect(got.toSorted()).toEqual(expected.toSorted());
          expect(driver.lateRecords).toBe(tagged.length - accepted.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
