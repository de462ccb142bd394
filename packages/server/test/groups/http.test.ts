/**
 * The group API over HTTP, on both stores: heartbeats (join, rebalance, leave, long-poll),
 * commits with every refusal, committed offsets and lag, resets, listing, describing and
 * deleting groups, and the errors of malformed requests.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { FileStore, MemoryStore, type Store } from "@rivulet/server";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { BASE, expectError } from "../handlers/helpers.js";
import { beat, type GroupApp, groupApp, groupUrl, join, offset, owned, poll, post } from "./support.js";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

const stores: Array<[string, () => Promise<Store>]> = [
  ["memory", async () => new MemoryStore()],
  [
    "file",
    async () => {
      const dir = await mkdtemp(joinPath(tmpdir(), "rivulet-groups-"));
      dirs.push(dir);
      return new FileStore({ dir });
    },
  ],
];

describe.each(stores)("groups on the %s store", (_name, makeStore) => {
  let t: GroupApp;
  afterEach(() => t?.close());
  const start = async (topics?: Record<string, number>) => {
    t = await groupApp(topics, { store: await makeStore() });
    return t;
  };

  test("a member joins and gets every partition with its stream path and server-set timeouts", async () => {
    await start();
    const a = await join(t, "g");
    expect(a.member_epoch).toBe(1);
    expect(a.heartbeat_interval_ms).toBe(5000);
    expect(a.session_timeout_ms).toBe(45_000);
    expect(a.assignment.orders).toEqual(
      [0, 1, 2, 3].map((p) => ({ partition: p, path: `${BASE}/orders/${p}`, committed: null })),
    );
    expect(a.pending).toEqual({});
  });

  test("a rebalance over HTTP: revoke before assign, and a long-poll wakes when partitions are released", async () => {
    await start();
    const a = await join(t, "g");
    const b = await join(t, "g");
    expect(b.pending.orders).toHaveLength(2);
    // B waits for its partitions; A's next heartbeats revoke two, then confirm.
    const waiting = poll(t, "g", b, "?wait_ms=10000");
    const a2 = await poll(t, "g", a);
    expect(owned(a2).orders).toHaveLength(2);
    await poll(t, "g", a2);
    const b2 = await waiting;
    expect(owned(b2).orders).toHaveLength(2);
    expect([...owned(a2).orders!, ...owned(b2).orders!].sort()).toEqual([0, 1, 2, 3]);
  });

  test("a long-poll with nothing new answers the same assignment after wait_ms", async () => {
    await start();
    const a = await join(t, "g");
    const again = await poll(t, "g", a, "?wait_ms=50");
    expect(owned(again)).toEqual(owned(a));
    expect(again.member_epoch).toBe(a.member_epoch);
  });

  test("leave, then heartbeats of the member that left are UNKNOWN_MEMBER_ID", async () => {
    await start();
    const a = await join(t, "g");
    const left = await beat(t, "g", { member_id: a.member_id, member_epoch: -1 });
    expect(left.member_epoch).toBe(-1);
    await expectError(
      await post(t, groupUrl("g", "/heartbeat"), { member_id: a.member_id, member_epoch: 1 }),
      404,
      "UNKNOWN_MEMBER_ID",
    );
  });

  test("fencing and static membership errors", async () => {
    await start();
    const a = await join(t, "g", { instance_id: "pod-1" });
    const fenced = await expectError(
      await post(t, groupUrl("g", "/heartbeat"), { member_id: a.member_id, member_epoch: 9 }),
      409,
      "FENCED_MEMBER_EPOCH",
    );
    expect(fenced.error).toMatchObject({ member_epoch: 9, current_epoch: 1 });
    const held = await post(t, groupUrl("g", "/heartbeat"), {
      member_epoch: 0,
      topics: ["orders"],
      instance_id: "pod-1",
    });
    await expectError(held.clone(), 409, "UNRELEASED_INSTANCE_ID");
    expect(Number(held.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectError(
      await post(t, groupUrl("g", "/heartbeat"), { member_epoch: 0, topics: ["orders"], assignor: "range" }),
      409,
      "INCONSISTENT_ASSIGNOR",
    );
  });

  test("commits, committed offsets in heartbeats, and lag in messages and bytes", async () => {
    await start();
    t.topics.append("orders", 0, 10);
    t.topics.append("orders", 1, 4);
    const a = await join(t, "g");
    const res = await post(t, groupUrl("g", "/commit"), {
      member_id: a.member_id,
      member_epoch: a.member_epoch,
      offsets: [{ topic: "orders", partition: 0, offset: offset(30), metadata: "batch-7" }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { offsets: Array<{ committed: { offset: string; seq: number } }> };
    expect(body.offsets[0]!.committed).toMatchObject({ offset: offset(30), seq: 3, metadata: "batch-7" });
    const again = await poll(t, "g", a);
    expect(again.assignment.orders![0]!.committed).toMatchObject({ offset: offset(30), seq: 3 });
    const offsets = (await (await t.request(groupUrl("g", "/offsets"))).json()) as {
      offsets: Array<{
        partition: number;
        committed: unknown;
        next_offset: string;
        next_seq: number;
        lag: { messages: number | null; bytes: number | null };
      }>;
      lag: { messages: number; bytes: number };
    };
    expect(offsets.offsets).toHaveLength(4);
    expect(offsets.offsets[0]).toMatchObject({
      partition: 0,
      next_offset: offset(100),
      next_seq: 10,
      lag: { messages: 7, bytes: 70 },
    });
    expect(offsets.offsets[1]).toMatchObject({ partition: 1, committed: null, lag: { messages: null, bytes: null } });
    expect(offsets.lag).toEqual({ messages: 7, bytes: 70 });
    const filtered = (await (await t.request(groupUrl("g", "/offsets?topic=other"))).json()) as { offsets: unknown[] };
    expect(filtered.offsets).toEqual([]);
  });

  test("every refusal of a commit", async () => {
    await start();
    t.topics.append("orders", 0, 5);
    const a = await join(t, "g");
    const commit = (body: Record<string, unknown>) =>
      post(t, groupUrl("g", "/commit"), { member_id: a.member_id, member_epoch: 1, ...body });
    const one = (extra: Record<string, unknown>) => ({
      offsets: [{ topic: "orders", partition: 0, offset: offset(10), ...extra }],
    });
    expect((await commit(one({ offset: offset(20) }))).status).toBe(200);
    const regression = await expectError(await commit(one({})), 409, "OFFSET_REGRESSION");
    expect(regression.error).toMatchObject({ topic: "orders", partition: 0, committed: offset(20) });
    await expectError(await commit(one({ offset: offset(60) })), 400, "INVALID_OFFSET");
    await expectError(await commit(one({ offset: "junk" })), 400, "INVALID_OFFSET");
    await expectError(await commit(one({ topic: "nope" })), 404, "TOPIC_NOT_FOUND");
    await expectError(await commit(one({ partition: 9 })), 404, "PARTITION_NOT_FOUND");
    await expectError(await commit(one({ metadata: "x".repeat(5000) })), 400, "INVALID_GROUP_REQUEST");
    await expectError(await commit({ offsets: [] }), 400, "INVALID_GROUP_REQUEST");
    await expectError(
      await commit({ offsets: [one({}).offsets[0], one({}).offsets[0]] }),
      400,
      "INVALID_GROUP_REQUEST",
    );
    await expectError(await commit({ member_epoch: 0, ...one({}) }), 400, "INVALID_GROUP_REQUEST");
    await expectError(await commit({ member_epoch: 5, ...one({ offset: offset(30) }) }), 409, "FENCED_MEMBER_EPOCH");
    await expectError(await commit({ member_id: "ghost", ...one({ offset: offset(30) }) }), 404, "UNKNOWN_MEMBER_ID");
    await expectError(await post(t, groupUrl("g", "/commit"), one({ offset: offset(30) })), 409, "GROUP_NOT_EMPTY");
    // B joins; A loses two partitions and confirms: a commit for one of them is stale.
    const b = await join(t, "g");
    const a2 = await poll(t, "g", a);
    await poll(t, "g", a2);
    const lost = [0, 1, 2, 3].find((p) => !owned(a2).orders!.includes(p))!;
    t.topics.append("orders", lost, 1);
    const stale = await expectError(
      await post(t, groupUrl("g", "/commit"), {
        member_id: a.member_id,
        member_epoch: 2,
        offsets: [{ topic: "orders", partition: lost, offset: offset(0) }],
      }),
      409,
      "STALE_MEMBER_EPOCH",
    );
    expect(stale.error).toMatchObject({ topic: "orders", partition: lost });
    expect(b.member_id).not.toBe(a.member_id);
    await expectError(await post(t, groupUrl("g", "/commit"), "not json"), 400, "INVALID_GROUP_REQUEST");
  });

  test("resets: earliest, latest, a time, explicit offsets; only while the group has no members", async () => {
    await start({ orders: 2 });
    t.topics.append("orders", 0, 3, 1000);
    t.topics.append("orders", 0, 3, 2000);
    t.topics.append("orders", 1, 2, 1500);
    const a = await join(t, "g");
    const reset = (body: unknown) => post(t, groupUrl("g", "/offsets/reset"), body);
    const busy = await expectError(await reset({ topics: ["orders"], to: "earliest" }), 409, "GROUP_NOT_EMPTY");
    expect(busy.error).toMatchObject({ members: 1 });
    await beat(t, "g", { member_id: a.member_id, member_epoch: -1 });
    const offsetsAfter = async (body: unknown) => {
      const res = await reset(body);
      expect(res.status, await res.clone().text()).toBe(200);
      return ((await res.json()) as { offsets: Array<{ partition: number; offset: string; seq: number }> }).offsets;
    };
    expect(await offsetsAfter({ topics: ["orders"], to: "latest" })).toEqual([
      { topic: "orders", partition: 0, offset: offset(60), seq: 6 },
      { topic: "orders", partition: 1, offset: offset(20), seq: 2 },
    ]);
    expect((await offsetsAfter({ topics: ["orders"], to: "earliest" })).map((o) => o.offset)).toEqual([
      offset(0),
      offset(0),
    ]);
    expect((await offsetsAfter({ topics: ["orders"], to: { at: 1800 } })).map((o) => o.seq)).toEqual([3, 2]);
    expect(
      (await offsetsAfter({ topics: ["orders"], to: { at: new Date(1200).toISOString() } })).map((o) => o.seq),
    ).toEqual([3, 0]);
    expect(await offsetsAfter({ to: { offsets: [{ topic: "orders", partition: 1, offset: offset(10) }] } })).toEqual([
      { topic: "orders", partition: 1, offset: offset(10), seq: 1 },
    ]);
    await expectError(await reset({ to: "earliest" }), 400, "INVALID_GROUP_REQUEST");
    await expectError(await reset({ topics: ["orders"], to: "middle" }), 400, "INVALID_GROUP_REQUEST");
    await expectError(await reset({ topics: ["orders"], to: { at: "yesterday" } }), 400, "INVALID_GROUP_REQUEST");
    await expectError(await reset({ topics: ["nope"], to: "earliest" }), 404, "TOPIC_NOT_FOUND");
    t.topics.timeIndex = false;
    await expectError(await reset({ topics: ["orders"], to: { at: 0 } }), 400, "INVALID_GROUP_REQUEST");
  });

  test("list, describe and delete", async () => {
    await start();
    const a = await join(t, "alpha");
    await join(t, "beta", { instance_id: "pod" });
    const list = (await (await t.request(`${BASE}/__ds/groups?limit=1`)).json()) as { groups: unknown[]; next: string };
    expect(list).toEqual({
      groups: [{ group: "alpha", state: "stable", member_count: 1, group_epoch: 1, assignor: "uniform" }],
      next: "alpha",
    });
    const rest = (await (await t.request(`${BASE}/__ds/groups?after=alpha`)).json()) as {
      groups: Array<{ group: string }>;
      next: null;
    };
    expect(rest.groups.map((g) => g.group)).toEqual(["beta"]);
    expect(rest.next).toBeNull();
    const described = (await (await t.request(groupUrl("alpha"))).json()) as Record<string, unknown>;
    expect(described).toMatchObject({
      group: "alpha",
      state: "stable",
      group_epoch: 1,
      topics: { orders: 4 },
      members: [
        {
          member_id: a.member_id,
          instance_id: null,
          member_epoch: 1,
          state: "stable",
          topics: ["orders"],
          assignment: { orders: [0, 1, 2, 3] },
          revoking: {},
          target: { orders: [0, 1, 2, 3] },
        },
      ],
      lag: { messages: null, bytes: 0 },
    });
    await expectError(await t.request(groupUrl("alpha"), { method: "DELETE" }), 409, "GROUP_NOT_EMPTY");
    await beat(t, "alpha", { member_id: a.member_id, member_epoch: -1 });
    expect((await t.request(groupUrl("alpha"), { method: "DELETE" })).status).toBe(204);
    await expectError(await t.request(groupUrl("alpha")), 404, "GROUP_NOT_FOUND");
    await expectError(await t.request(groupUrl("alpha", "/offsets")), 404, "GROUP_NOT_FOUND");
    await expectError(await t.request(groupUrl("alpha"), { method: "DELETE" }), 404, "GROUP_NOT_FOUND");
    await expectError(await t.request(`${BASE}/__ds/groups?limit=0`), 400, "INVALID_GROUP_REQUEST");
  });

  test("malformed heartbeats", async () => {
    await start();
    const bad = async (body: unknown, query = "", group = "g") =>
      expectError(await post(t, groupUrl(group, `/heartbeat${query}`), body), 400, "INVALID_GROUP_REQUEST");
    await bad({ member_epoch: 0, topics: ["orders"] }, "", "bad%20id");
    await bad({ member_epoch: 0 });
    await bad({ member_epoch: -3, member_id: "x" });
    await bad({ member_epoch: 1 });
    await bad({ member_epoch: 0, topics: "orders" });
    await bad({ member_epoch: 0, topics: [""] });
    await bad({ member_epoch: 0, topics: ["orders"], member_id: "has space" });
    await bad({ member_epoch: 0, topics: ["orders"], assignor: "round-robin" });
    await bad({ member_epoch: 0, topics: ["orders"], owned: { orders: [-1] } });
    await bad({ member_epoch: 0, topics: ["orders"], owned: [0] });
    await bad({ member_epoch: 0, topics: ["orders"], rebalance_timeout_ms: 5 });
    await bad({ member_epoch: 0, topics: ["orders"] }, "?wait_ms=999999");
    await bad("[]");
    await bad("{");
    const a = await join(t, "g");
    await bad({ member_id: a.member_id, member_epoch: -2 });
  });
});
