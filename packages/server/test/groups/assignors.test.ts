/** The uniform (balanced, sticky) and range (contiguous, co-partitioned) assignors. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { AssignorMember } from "../../src/features/groups/coordinator/assignors/index.js";
import { rangeAssignor } from "../../src/features/groups/coordinator/assignors/range.js";
import { uniformAssignor } from "../../src/features/groups/coordinator/assignors/uniform.js";
import { type PartitionKey, splitKey } from "../../src/features/groups/coordinator/model.js";
import { p, partitionsOf } from "./coordinator-support.js";

const member = (id: string, topics: string[] = ["orders"], instanceId: string | null = null): AssignorMember => ({
  id,
  instanceId,
  topics,
});
const sizes = (result: Map<string, Set<PartitionKey>>) => [...result.values()].map((keys) => keys.size);

describe("uniform", () => {
  test("balanced: loads differ by at most one, every partition assigned once", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 60 }), (members, partitions) => {
        const result = uniformAssignor.assign({
          members: Array.from({ length: members }, (_, i) => member(`m${i}`)),
          partitions: new Map([["orders", partitions]]),
          current: new Map(),
        });
        const loads = sizes(result);
        expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
        const all = [...result.values()].flatMap((keys) => [...keys]);
        expect(new Set(all).size).toBe(partitions);
        expect(all).toHaveLength(partitions);
      }),
    );
  });

  test("sticky: a member joining takes only its share; the others keep the rest", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 48 }), (members, partitions) => {
        const ids = Array.from({ length: members }, (_, i) => `m${i}`);
        const before = uniformAssignor.assign({
          members: ids.map((id) => member(id)),
          partitions: new Map([["orders", partitions]]),
          current: new Map(),
        });
        const after = uniformAssignor.assign({
          members: [...ids, "new"].map((id) => member(id)),
          partitions: new Map([["orders", partitions]]),
          current: before,
        });
        const moved = [...after.get("new")!];
        for (const id of ids) for (const key of after.get(id)!) expect(before.get(id)!.has(key)).toBe(true);
        expect(moved.length).toBe(Math.floor(partitions / (members + 1)));
      }),
    );
  });

  test("a member leaving: only its partitions move", () => {
    const before = uniformAssignor.assign({
      members: [member("a"), member("b"), member("c")],
      partitions: new Map([["orders", 9]]),
      current: new Map(),
    });
    const after = uniformAssignor.assign({
      members: [member("a"), member("b")],
      partitions: new Map([["orders", 9]]),
      current: before,
    });
    for (const id of ["a", "b"]) for (const key of before.get(id)!) expect(after.get(id)!.has(key)).toBe(true);
    expect(sizes(after).sort()).toEqual([4, 5]);
  });

  test("different subscriptions: each partition goes to a subscriber, shared topics balance the load", () => {
    const result = uniformAssignor.assign({
      members: [member("a", ["orders", "payments"]), member("b", ["payments"])],
      partitions: new Map([
        ["orders", 4],
        ["payments", 4],
      ]),
      current: new Map(),
    });
    for (const key of result.get("b")!) expect(splitKey(key).topic).toBe("payments");
    expect(sizes(result)).toEqual([4, 4]);
  });

  test("partitions of topics that shrank or are no longer subscribed are dropped from the previous target", () => {
    const result = uniformAssignor.assign({
      members: [member("a")],
      partitions: new Map([["orders", 2]]),
      current: new Map([["a", new Set([p(0), p(5), p(0, "gone")])]]),
    });
    expect(partitionsOf([...result.get("a")!])).toEqual(["orders/0", "orders/1"]);
  });
});

describe("range", () => {
  test("contiguous ranges, the first members taking the remainder", () => {
    const result = rangeAssignor.assign({
      members: [member("a"), member("b"), member("c")],
      partitions: new Map([["orders", 7]]),
      current: new Map(),
    });
    expect(partitionsOf([...result.get("a")!])).toEqual(["orders/0", "orders/1", "orders/2"]);
    expect(partitionsOf([...result.get("b")!])).toEqual(["orders/3", "orders/4"]);
    expect(partitionsOf([...result.get("c")!])).toEqual(["orders/5", "orders/6"]);
  });

  test("co-partitioned: partition i of topics with the same count goes to the same member", () => {
    const result = rangeAssignor.assign({
      members: [member("a", ["l", "r"]), member("b", ["l", "r"])],
      partitions: new Map([
        ["l", 4],
        ["r", 4],
      ]),
      current: new Map(),
    });
    for (const keys of result.values()) {
      const left = [...keys].filter((k) => splitKey(k).topic === "l").map((k) => splitKey(k).partition);
      const right = [...keys].filter((k) => splitKey(k).topic === "r").map((k) => splitKey(k).partition);
      expect(left).toEqual(right);
    }
  });

  test("members without the topic get none of it; more members than partitions leaves some empty", () => {
    const result = rangeAssignor.assign({
      members: [member("a"), member("b"), member("c", ["other"])],
      partitions: new Map([["orders", 1]]),
      current: new Map(),
    });
    expect(sizes(result)).toEqual([1, 0, 0]);
  });
});
