/** Commits fenced by member and assignment epoch, never going back; resets and deletes only when empty. */
import { ProtocolError } from "@rivulet/protocol";
import { describe, expect, test } from "vitest";
import type { OffsetCommit } from "../../src/features/groups/coordinator/requests.js";
import { Harness, p } from "./coordinator-support.js";

const at = (key: string, offset: string, seq: number | null = null): OffsetCommit => ({
  key,
  offset,
  seq,
  metadata: null,
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
  return "accepted";
}

describe("commits", () => {
  test("the owner commits; the offset, seq and metadata are kept", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join();
    const decision = h.coordinator.commit(
      "g",
      {
        memberId: a.memberId,
        memberEpoch: a.memberEpoch,
        offsets: [{ key: p(0), offset: "0010", seq: 1, metadata: "x" }],
      },
      h.now,
    );
    expect(decision.records).toHaveLength(1);
    expect(h.group().offsets.get(p(0))).toEqual({ offset: "0010", seq: 1, metadata: "x", at: h.now });
  });

  test("a commit below the committed offset is refused; an equal one is accepted", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join();
    const commit = (offset: string) =>
      code(() =>
        h.coordinator.commit("g", { memberId: a.memberId, memberEpoch: 1, offsets: [at(p(0), offset)] }, h.now),
      );
    expect(commit("0020")).toBe("accepted");
    expect(commit("0010")).toBe("OFFSET_REGRESSION");
    expect(commit("0020")).toBe("accepted");
    expect(h.group().offsets.get(p(0))!.offset).toBe("0020");
  });

  test("all or nothing: one refused partition refuses the whole commit", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join();
    h.coordinator.commit("g", { memberId: a.memberId, memberEpoch: 1, offsets: [at(p(1), "0050")] }, h.now);
    const refused = code(() =>
      h.coordinator.commit(
        "g",
        { memberId: a.memberId, memberEpoch: 1, offsets: [at(p(0), "0010"), at(p(1), "0040")] },
        h.now,
      ),
    );
    expect(refused).toBe("OFFSET_REGRESSION");
    expect(h.group().offsets.has(p(0))).toBe(false);
  });

  test("a member that lost a partition cannot overwrite its successor's offset", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join();
    let b = h.join();
    const a2 = h.poll(a);
    const lost = a.assignment.find((key) => !a2.assignment.includes(key))!;
    // While A still owns it (revoking), its commit is accepted: it is finishing its work.
    expect(
      code(() =>
        h.coordinator.commit("g", { memberId: a.memberId, memberEpoch: 1, offsets: [at(lost, "0010")] }, h.now),
      ),
    ).toBe("accepted");
    h.poll(a2);
    b = h.poll(b);
    expect(b.assignment).toEqual([lost]);
    h.coordinator.commit("g", { memberId: b.memberId, memberEpoch: b.memberEpoch, offsets: [at(lost, "0100")] }, h.now);
    // A, now without it, tries to commit it: refused, and B's offset stands.
    expect(
      code(() =>
        h.coordinator.commit("g", { memberId: a.memberId, memberEpoch: 2, offsets: [at(lost, "0200")] }, h.now),
      ),
    ).toBe("STALE_MEMBER_EPOCH");
    expect(h.group().offsets.get(lost)!.offset).toBe("0100");
  });

  test("assignment epochs: a commit with an epoch older than the partition's assignment is stale", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join();
    let b = h.join();
    h.poll(h.poll(a));
    b = h.poll(b);
    const [mine] = b.assignment;
    expect(b.memberEpoch).toBe(2);
    expect(
      code(() => h.coordinator.commit("g", { memberId: b.memberId, memberEpoch: 1, offsets: [at(mine!, "1")] }, h.now)),
    ).toBe("STALE_MEMBER_EPOCH");
  });

  test("unknown, fenced and future-epoch members are refused", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join();
    expect(
      code(() => h.coordinator.commit("g", { memberId: "ghost", memberEpoch: 1, offsets: [at(p(0), "1")] }, h.now)),
    ).toBe("UNKNOWN_MEMBER_ID");
    expect(
      code(() =>
        h.coordinator.commit("nope", { memberId: a.memberId, memberEpoch: 1, offsets: [at(p(0), "1")] }, h.now),
      ),
    ).toBe("UNKNOWN_MEMBER_ID");
    expect(
      code(() => h.coordinator.commit("g", { memberId: a.memberId, memberEpoch: 9, offsets: [at(p(0), "1")] }, h.now)),
    ).toBe("FENCED_MEMBER_EPOCH");
  });

  test("a commit by no member is allowed only while the group has no members", () => {
    const h = new Harness({ orders: 2 });
    expect(
      code(() =>
        h.coordinator.commit("solo", { memberId: undefined, memberEpoch: -1, offsets: [at(p(0), "5")] }, h.now),
      ),
    ).toBe("accepted");
    expect(h.coordinator.get("solo")!.offsets.get(p(0))!.offset).toBe("5");
    h.join(["orders"], {}, "solo");
    expect(
      code(() =>
        h.coordinator.commit("solo", { memberId: undefined, memberEpoch: -1, offsets: [at(p(0), "6")] }, h.now),
      ),
    ).toBe("GROUP_NOT_EMPTY");
  });
});

describe("resets and deletes", () => {
  test("a reset may go back, only while the group has no members", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join();
    h.coordinator.commit("g", { memberId: a.memberId, memberEpoch: 1, offsets: [at(p(0), "0050")] }, h.now);
    expect(code(() => h.coordinator.reset("g", [at(p(0), "0000")], h.now))).toBe("GROUP_NOT_EMPTY");
    h.beat({ memberId: a.memberId, memberEpoch: -1 });
    expect(code(() => h.coordinator.reset("g", [at(p(0), "0000")], h.now))).toBe("accepted");
    expect(h.group().offsets.get(p(0))!.offset).toBe("0000");
  });

  test("a reset of a group that does not exist creates it", () => {
    const h = new Harness({ orders: 2 });
    h.coordinator.reset("new", [at(p(1), "0007")], h.now);
    expect(h.coordinator.get("new")!.offsets.get(p(1))!.offset).toBe("0007");
  });

  test("a static member away for now still counts as a member", () => {
    const h = new Harness({ orders: 2 });
    const a = h.join(["orders"], { instanceId: "pod" });
    h.beat({ memberId: a.memberId, memberEpoch: -2 });
    expect(code(() => h.coordinator.reset("g", [at(p(0), "0")], h.now))).toBe("GROUP_NOT_EMPTY");
    expect(code(() => h.coordinator.delete("g"))).toBe("GROUP_NOT_EMPTY");
  });

  test("delete: only an existing group with no members", () => {
    const h = new Harness({ orders: 2 });
    expect(code(() => h.coordinator.delete("g"))).toBe("GROUP_NOT_FOUND");
    const a = h.join();
    expect(code(() => h.coordinator.delete("g"))).toBe("GROUP_NOT_EMPTY");
    h.beat({ memberId: a.memberId, memberEpoch: -1 });
    expect(code(() => h.coordinator.delete("g"))).toBe("accepted");
    expect(h.coordinator.get("g")).toBeUndefined();
  });
});
