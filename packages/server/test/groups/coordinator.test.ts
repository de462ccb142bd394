/**
 * The consumer group coordinator (pure): joins, leaves, session expiry, revoke before assign,
 * static membership, zombie fencing, subscription and topic changes, and replay.
 */
import { ProtocolError } from "@rivulet/protocol";
import { describe, expect, test } from "vitest";
import { groupState, memberState } from "../../src/features/groups/coordinator/model.js";
import { Harness, p, partitionsOf } from "./coordinator-support.js";

function refusal(fn: () => unknown): { code: string; headers: Readonly<Record<string, string>>; details: unknown } {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return { code: error.code, headers: error.headers, details: error.details };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("joining and leaving", () => {
  test("the first member gets every partition at the first epoch", () => {
    const h = new Harness();
    const a = h.join();
    expect(a.memberEpoch).toBe(1);
    expect(a.groupEpoch).toBe(1);
    expect(partitionsOf(a.assignment)).toEqual([
      "orders/0",
      "orders/1",
      "orders/2",
      "orders/3",
      "orders/4",
      "orders/5",
    ]);
    expect(a.pending).toEqual([]);
    expect(groupState(h.group())).toBe("stable");
  });

  test("a second member waits for the first to revoke: revoke before assign", () => {
    const h = new Harness();
    const a1 = h.join();
    const b1 = h.join();
    expect(b1.groupEpoch).toBe(2);
    expect(b1.assignment).toEqual([]);
    expect(b1.pending).toHaveLength(3);
    expect(groupState(h.group())).toBe("reconciling");
    // A's next heartbeat still reports all six: it is told to keep three, and still owns all six.
    const a2 = h.poll(a1);
    expect(a2.assignment).toHaveLength(3);
    expect(a2.memberEpoch).toBe(1);
    expect(memberState(h.group(), h.group().members.get(a1.memberId)!)).toBe("revoking");
    const b2 = h.poll(b1);
    expect(b2.assignment).toEqual([]);
    // A confirms it gave three up: it moves to epoch 2, and B gets them on its next heartbeat.
    const a3 = h.poll(a2);
    expect(a3.memberEpoch).toBe(2);
    const b3 = h.poll(b2);
    expect(b3.assignment).toHaveLength(3);
    expect(new Set([...a3.assignment, ...b3.assignment]).size).toBe(6);
    expect(groupState(h.group())).toBe("stable");
  });

  test("a member that leaves frees its partitions at once", () => {
    const h = new Harness();
    const a = h.join();
    let b = h.join();
    h.poll(h.poll(a));
    b = h.poll(b);
    expect(b.assignment).toHaveLength(3);
    const left = h.beat({ memberId: a.memberId, memberEpoch: -1 });
    expect(left.memberEpoch).toBe(-1);
    const b2 = h.poll(b);
    expect(b2.assignment).toHaveLength(6);
    expect(refusal(() => h.poll(a)).code).toBe("UNKNOWN_MEMBER_ID");
  });

  test("a member that stops heartbeating is removed after the session timeout, not before", () => {
    const h = new Harness();
    const a = h.join();
    let b = h.join();
    b = h.poll(b);
    h.now += 10_000;
    expect(h.expire()).toEqual([]);
    b = h.poll(b);
    h.now += 1;
    expect(h.expire().some((r) => r.t === "gone")).toBe(true);
    b = h.poll(b);
    expect(b.assignment).toHaveLength(6);
    expect(refusal(() => h.poll(a)).code).toBe("UNKNOWN_MEMBER_ID");
  });

  test("the group is created with the first join, with the asked assignor", () => {
    const h = new Harness({ orders: 4 });
    h.join(["orders"], { assignor: "range" });
    expect(h.group().assignor).toBe("range");
    expect(refusal(() => h.join(["orders"], { assignor: "uniform" })).code).toBe("INCONSISTENT_ASSIGNOR");
  });

  test("limits: groups and members", () => {
    const h = new Harness({ orders: 2 }, { maxGroups: 1, maxMembersPerGroup: 2 });
    h.join();
    h.join();
    expect(refusal(() => h.join()).code).toBe("GROUP_MAX_SIZE_REACHED");
    expect(refusal(() => h.join(["orders"], {}, "other")).code).toBe("GROUP_LIMIT_REACHED");
  });

  test("a member may choose its id; joining again with epoch 0 starts it over with a new epoch", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join(["orders"], { memberId: "worker-1" });
    expect(a.memberId).toBe("worker-1");
    const again = h.join(["orders"], { memberId: "worker-1" });
    expect(again.memberEpoch).toBeGreaterThan(a.memberEpoch);
    expect(again.assignment).toHaveLength(2);
    expect(h.group().members.size).toBe(1);
  });
});

describe("fencing zombies", () => {
  test("an epoch ahead of the member's, or an older one that is not its previous, is fenced", () => {
    const h = new Harness();
    const a = h.join();
    expect(refusal(() => h.beat({ memberId: a.memberId, memberEpoch: 7 })).code).toBe("FENCED_MEMBER_EPOCH");
    expect(refusal(() => h.beat({ memberId: "nobody", memberEpoch: 1 })).code).toBe("UNKNOWN_MEMBER_ID");
    expect(refusal(() => h.beat({ memberId: a.memberId, memberEpoch: 1 }, "other")).code).toBe("UNKNOWN_MEMBER_ID");
  });

  test("a member whose reply was lost may come back with its previous epoch, owning no more than it has", () => {
    const h = new Harness();
    const a1 = h.join();
    const b = h.join();
    const a2 = h.poll(a1);
    const a3 = h.poll(a2); // epoch 2; suppose this reply was lost
    expect(a3.memberEpoch).toBe(2);
    // Owning what it was given at epoch 1 minus the revoked: accepted at the previous epoch.
    const again = h.beat({ memberId: a1.memberId, memberEpoch: 1, owned: new Set(a2.assignment) });
    expect(again.memberEpoch).toBe(2);
    // Owning a partition it never had: a zombie.
    const stolen = h.poll(b).pending[0]!;
    expect(
      refusal(() => h.beat({ memberId: a1.memberId, memberEpoch: 1, owned: new Set([...a2.assignment, stolen]) })).code,
    ).toBe("FENCED_MEMBER_EPOCH");
  });

  test("a member that does not revoke within its rebalance timeout is fenced; its partitions move when its session ends", () => {
    const h = new Harness();
    const a = h.join();
    let b = h.join();
    h.poll(a); // still owns all six
    h.now += 5_001;
    h.expire();
    expect(memberState(h.group(), h.group().members.get(a.memberId)!)).toBe("fenced");
    const fenced = refusal(() => h.poll(a));
    expect(fenced.code).toBe("FENCED_MEMBER_EPOCH");
    b = h.poll(b);
    // B's target is now all six, but A may still be consuming until its session ends.
    expect(b.assignment).toEqual([]);
    expect(b.pending).toHaveLength(6);
    h.now += 5_000;
    b = h.poll(b);
    h.expire();
    expect(h.poll(b).assignment).toHaveLength(6);
  });

  test("a fenced member rejoins with epoch 0 and gets partitions again", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join();
    expect(refusal(() => h.beat({ memberId: a.memberId, memberEpoch: 5 })).code).toBe("FENCED_MEMBER_EPOCH");
    const back = h.join(["orders"], { memberId: a.memberId });
    expect(back.assignment).toHaveLength(2);
  });
});

describe("static membership", () => {
  test("an instance that leaves for now and comes back under a new member id keeps its partitions, with no rebalance", () => {
    const h = new Harness();
    const a = h.join(["orders"], { instanceId: "pod-a" });
    let b = h.join(["orders"], { instanceId: "pod-b" });
    const a2 = h.poll(h.poll(a));
    b = h.poll(b);
    const epoch = h.group().epoch;
    const away = h.beat({ memberId: a.memberId, memberEpoch: a2.memberEpoch }, "g");
    expect(away.memberEpoch).toBe(a2.memberEpoch);
    const leave = h.beat({ memberId: a.memberId, memberEpoch: -2 });
    expect(leave.memberEpoch).toBe(-2);
    const back = h.join(["orders"], { instanceId: "pod-a" });
    expect(back.memberId).not.toBe(a.memberId);
    expect(partitionsOf(back.assignment)).toEqual(partitionsOf(a2.assignment));
    expect(back.memberEpoch).toBe(a2.memberEpoch);
    expect(h.group().epoch).toBe(epoch);
    // The old member id is gone: its zombie is refused.
    expect(refusal(() => h.poll(a2)).code).toBe("UNKNOWN_MEMBER_ID");
    expect(h.poll(b).assignment).toHaveLength(3);
  });

  test("an instance id held by an active member is refused until its session ends", () => {
    const h = new Harness();
    h.join(["orders"], { instanceId: "pod-a" });
    h.now += 4_000;
    const refused = refusal(() => h.join(["orders"], { instanceId: "pod-a" }));
    expect(refused.code).toBe("UNRELEASED_INSTANCE_ID");
    expect(refused.headers["retry-after"]).toBe("6");
  });

  test("a static member away longer than the session is removed and its partitions reassigned", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join(["orders"], { instanceId: "pod-a" });
    let b = h.join(["orders"], { instanceId: "pod-b" });
    h.poll(h.poll(a));
    b = h.poll(b);
    h.beat({ memberId: a.memberId, memberEpoch: -2 });
    expect(h.poll(b).assignment).toHaveLength(1);
    h.now += 10_001;
    b = h.poll(b);
    h.expire();
    expect(h.poll(b).assignment).toHaveLength(2);
  });

  test("leaving for now needs an instance id", () => {
    const h = new Harness();
    const a = h.join();
    expect(refusal(() => h.beat({ memberId: a.memberId, memberEpoch: -2 })).code).toBe("INVALID_GROUP_REQUEST");
  });

  test("the range assignor orders members by instance id, so a restarted instance gets the same range", () => {
    const h = new Harness({ orders: 4 });
    const z = h.join(["orders"], { instanceId: "b", assignor: "range", memberId: "z" });
    const y = h.join(["orders"], { instanceId: "a", memberId: "y" });
    h.poll(h.poll(z));
    const yy = h.poll(y);
    expect(partitionsOf(yy.assignment)).toEqual(["orders/0", "orders/1"]);
  });
});

describe("subscriptions and topics", () => {
  test("a subscription change bumps the group epoch and reassigns", () => {
    const h = new Harness({ orders: 2, payments: 2 });
    const a = h.join(["orders"]);
    const changed = h.beat({ memberId: a.memberId, memberEpoch: a.memberEpoch, topics: ["orders", "payments"] });
    expect(changed.groupEpoch).toBe(2);
    expect(partitionsOf(changed.assignment)).toEqual(["orders/0", "orders/1", "payments/0", "payments/1"]);
  });

  test("a topic that grows gets its new partitions assigned; one that is missing assigns nothing", () => {
    const h = new Harness({});
    const a = h.join(["orders"]);
    expect(a.assignment).toEqual([]);
    h.topics.set("orders", 3);
    const records = h.coordinator.topicChanged("orders", h.now);
    h.log.push(...records);
    expect(records.some((r) => r.t === "target")).toBe(true);
    expect(h.coordinator.topicChanged("payments", h.now)).toEqual([]);
    expect(h.poll(a).assignment).toHaveLength(3);
    // A heartbeat notices a change it was not told about, too.
    h.topics.set("orders", 4);
    expect(h.poll(a).assignment).toHaveLength(4);
  });

  test("members with different subscriptions get only their topics", () => {
    const h = new Harness({ orders: 2, payments: 2 });
    const a = h.join(["orders"]);
    const b = h.join(["payments"]);
    expect(partitionsOf(h.poll(a).assignment)).toEqual(["orders/0", "orders/1"]);
    expect(partitionsOf(h.poll(b).assignment)).toEqual(["payments/0", "payments/1"]);
  });
});

describe("replay", () => {
  test("the durable records rebuild the same groups; sessions start again from the restart", () => {
    const h = new Harness();
    const a = h.join(["orders"], { instanceId: "pod-a" });
    const b = h.join();
    h.poll(h.poll(a));
    h.poll(b);
    const before = structuredClone([...h.group().members.values()].map(({ deadline, owned, ...durable }) => durable));
    const epoch = h.group().epoch;
    h.now += 60_000;
    h.restart();
    const after = [...h.group().members.values()].map(({ deadline, owned, ...durable }) => durable);
    expect(after).toEqual(before);
    expect(h.group().epoch).toBe(epoch);
    for (const member of h.group().members.values()) expect(member.deadline).toBe(h.now + 10_000);
    expect(h.expire()).toEqual([]);
  });

  test("compaction's snapshot replays to the same groups", () => {
    const h = new Harness();
    const a = h.join();
    h.poll(a);
    h.coordinator.commit(
      "g",
      {
        memberId: a.memberId,
        memberEpoch: a.memberEpoch,
        offsets: [{ key: p(0), offset: "5", seq: 5, metadata: "m" }],
      },
      h.now,
    );
    const snapshot = [...h.coordinator.snapshot()];
    h.log.length = 0;
    h.log.push(...snapshot);
    const before = h.group();
    h.restart();
    const after = h.group();
    expect(after.epoch).toBe(before.epoch);
    expect(after.target).toEqual(before.target);
    expect(after.offsets).toEqual(before.offsets);
    expect(after.owners).toEqual(before.owners);
  });
});
