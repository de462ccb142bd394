/**
 * What a commit inside a transaction relies on: the coordinator checks it like a plain commit
 * but leaves the groups unchanged until it is written (its records applied by replay), the
 * session sweep leaves a held group alone, and the group's lock lets decisions through only
 * once it is released.
 */
import type { ProtocolError } from "@rivulet/protocol";
import { describe, expect, test } from "vitest";
import { GroupLocks } from "../../src/features/groups/runtime/locks.js";
import { Harness, p } from "./coordinator-support.js";

describe("a planned commit", () => {
  test("is checked like a plain commit and changes nothing until its records are replayed", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join();
    const request = {
      memberId: a.memberId,
      memberEpoch: a.memberEpoch,
      offsets: [{ key: p(0), offset: "0010", seq: 1, metadata: null }],
    };
    const planned = h.coordinator.planCommit("g", request, h.now);
    expect(planned.records).toEqual([expect.objectContaining({ t: "commit", g: "g" })]);
    expect(h.group().offsets.get(p(0))).toBeUndefined();
    for (const record of planned.records) h.coordinator.replay(record);
    expect(h.group().offsets.get(p(0))).toMatchObject({ offset: "0010", seq: 1 });
    // The same refusals as a plain commit: a future epoch is fenced, going back is a regression.
    const refusal = (change: object) => {
      try {
        h.coordinator.planCommit("g", { ...request, ...change }, h.now);
        return "accepted";
      } catch (error) {
        return (error as ProtocolError).code;
      }
    };
    expect(refusal({ memberEpoch: a.memberEpoch + 1 })).toBe("FENCED_MEMBER_EPOCH");
    expect(refusal({ offsets: [{ key: p(0), offset: "0005", seq: null, metadata: null }] })).toBe("OFFSET_REGRESSION");
    expect(refusal({ memberId: "nobody" })).toBe("UNKNOWN_MEMBER_ID");
  });

  test("of a group that does not exist yet creates it only once replayed", () => {
    const h = new Harness({ orders: 1 });
    const planned = h.coordinator.planCommit(
      "fresh",
      { memberId: undefined, memberEpoch: -1, offsets: [{ key: p(0), offset: "0001", seq: 0, metadata: null }] },
      h.now,
    );
    expect(planned.records.map((r) => r.t)).toEqual(["group", "commit"]);
    expect(h.coordinator.get("fresh")).toBeUndefined();
    for (const record of planned.records) h.coordinator.replay(record);
    expect(h.coordinator.get("fresh")!.offsets.get(p(0))).toMatchObject({ offset: "0001" });
  });
});

describe("the session sweep", () => {
  test("leaves a group with a prepared commit for a later sweep", () => {
    const h = new Harness({ orders: 2 });
    h.join();
    h.now += 60_000;
    expect(h.coordinator.expire(h.now, (group) => group === "g")).toEqual([]);
    expect(h.group().members.size).toBe(1);
    expect(h.coordinator.expire(h.now).map((r) => r.t)).toContain("gone");
  });
});

describe("group locks", () => {
  test("one holder at a time, in the order they asked; other groups are not held", async () => {
    const locks = new GroupLocks();
    const order: string[] = [];
    const release = await locks.take("g");
    expect(locks.held("other")).toBeUndefined();
    const second = locks.take("g").then((r) => {
      order.push("second");
      return r;
    });
    const third = locks.take("g").then((r) => {
      order.push("third");
      return r;
    });
    const held = locks.held("g")!;
    order.push("first releases");
    release();
    release(); // a second release changes nothing
    await held;
    (await second)();
    (await third)();
    expect(order).toEqual(["first releases", "second", "third"]);
    expect(locks.held("g")).toBeUndefined();
  });

  test("a decision waiting on the lock runs only once the holder has released it", async () => {
    const locks = new GroupLocks();
    const events: string[] = [];
    const release = await locks.take("g");
    const decision = (async () => {
      for (let held = locks.held("g"); held; held = locks.held("g")) await held;
      events.push("decided");
    })();
    events.push("committed");
    release();
    await decision;
    expect(events).toEqual(["committed", "decided"]);
  });
});
