/**
 * Groups survive a restart on the file store: members (static ones too), epochs, assignments
 * and commits come back; members carry on without a rebalance; zombies stay fenced; epochs are
 * never reused; also through compactions of the state log. And the stand-in topics of
 * `groups.topics`, and a failed state write (503 until the state is replayed).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { FileStore, type ServerOptions } from "@rivulet/server";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { BASE, expectError, FaultyStore, startApp, type TestApp } from "../handlers/helpers.js";
import { MemoryTopics } from "./memory-topics.js";
import { beat, type GroupApp, groupApp, groupUrl, join, offset, owned, poll, post } from "./support.js";

const dirs: string[] = [];
let open: TestApp | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(joinPath(tmpdir(), "rivulet-groups-restart-"));
  dirs.push(dir);
  return dir;
}

/** The same topics object across restarts: the topic directory is not what is tested here. */
async function start(dir: string, topics: MemoryTopics, options: ServerOptions = {}): Promise<GroupApp> {
  await open?.close();
  const t = await groupApp(undefined, { store: new FileStore({ dir }), ...options }, topics);
  open = t;
  return t;
}

describe("restart", () => {
  test("members, epochs, assignments and commits come back; members carry on; zombies stay fenced", async () => {
    const dir = await dataDir();
    const topics = new MemoryTopics({ orders: 4 });
    topics.append("orders", 0, 5);
    let t = await start(dir, topics);
    const a = await join(t, "g", { instance_id: "pod-a" });
    const b = await join(t, "g");
    const c = await join(t, "g", { member_id: "gone-soon" });
    await beat(t, "g", { member_id: c.member_id, member_epoch: -1 });
    const a2 = await poll(t, "g", a);
    const a3 = await poll(t, "g", a2);
    const b2 = await poll(t, "g", b);
    const partition = owned(a3).orders![0]!;
    topics.append("orders", partition, 3);
    expect(
      (
        await post(t, groupUrl("g", "/commit"), {
          member_id: a.member_id,
          member_epoch: a3.member_epoch,
          offsets: [{ topic: "orders", partition, offset: offset(20), metadata: "m" }],
        })
      ).status,
    ).toBe(200);
    const before = (await (await t.request(groupUrl("g"))).json()) as Record<string, unknown>;
    const offsetsBefore = await (await t.request(groupUrl("g", "/offsets"))).json();

    t = await start(dir, topics);
    expect(await (await t.request(groupUrl("g"))).json()).toEqual(before);
    expect(await (await t.request(groupUrl("g", "/offsets"))).json()).toEqual(offsetsBefore);
    // The members carry on with their epochs: no rebalance.
    const a4 = await poll(t, "g", a3);
    expect(a4.group_epoch).toBe(a3.group_epoch);
    expect(owned(a4)).toEqual(owned(a3));
    expect(owned(await poll(t, "g", b2))).toEqual(owned(b2));
    // A member that left before the restart is still unknown; a stale epoch is still fenced.
    await expectError(
      await post(t, groupUrl("g", "/heartbeat"), { member_id: c.member_id, member_epoch: c.member_epoch }),
      404,
      "UNKNOWN_MEMBER_ID",
    );
    await expectError(
      await post(t, groupUrl("g", "/heartbeat"), {
        member_id: a.member_id,
        member_epoch: 1,
        owned: { orders: [0, 1, 2, 3] },
      }),
      409,
      "FENCED_MEMBER_EPOCH",
    );
    // Epochs go on from where they were.
    const d = await join(t, "g");
    expect(d.group_epoch).toBeGreaterThan(a3.group_epoch);
  });

  test("a static member that left for now comes back after a restart to the same partitions", async () => {
    const dir = await dataDir();
    const topics = new MemoryTopics({ orders: 2 });
    let t = await start(dir, topics);
    const a = await join(t, "g", { instance_id: "pod-a" });
    const b = await join(t, "g", { instance_id: "pod-b" });
    const a2 = await poll(t, "g", await poll(t, "g", a));
    await poll(t, "g", b);
    await beat(t, "g", { member_id: a.member_id, member_epoch: -2 });
    t = await start(dir, topics);
    const back = await join(t, "g", { instance_id: "pod-a" });
    expect(owned(back)).toEqual(owned(a2));
    expect(back.group_epoch).toBe(a2.group_epoch);
  });

  test("through compactions of the state log, commits and members stay", async () => {
    const dir = await dataDir();
    const topics = new MemoryTopics({ orders: 1 });
    topics.append("orders", 0, 100);
    let t = await start(dir, topics, { groups: { compactAfterRecords: 5 } });
    const a = await join(t, "g");
    for (let i = 1; i <= 30; i++) {
      const res = await post(t, groupUrl("g", "/commit"), {
        member_id: a.member_id,
        member_epoch: 1,
        offsets: [{ topic: "orders", partition: 0, offset: offset(i * 10) }],
      });
      expect(res.status).toBe(200);
    }
    t = await start(dir, topics, { groups: { compactAfterRecords: 5 } });
    const view = (await (await t.request(groupUrl("g", "/offsets"))).json()) as {
      offsets: Array<{ committed: { offset: string } }>;
    };
    expect(view.offsets[0]!.committed.offset).toBe(offset(300));
    expect(owned(await poll(t, "g", a))).toEqual({ orders: [0] });
    const generations = await t.store.list({ prefix: `${BASE}/__ds/state/groups/`, limit: 100 });
    expect(generations.filter((s) => !s.softDeleted).length).toBe(1);
  });
});

describe("stand-in topics", () => {
  test("without a topics feature, groups.topics names the topics and the engine gives their tails", async () => {
    const t = await startApp({ groups: { topics: { clicks: 2 } } });
    open = t;
    await t.create(`${BASE}/clicks/0`, "application/json", "[1,2,3]");
    await t.create(`${BASE}/clicks/1`, "application/json");
    const a = await join(t, "g", { topics: ["clicks", "unknown"] });
    expect(owned(a)).toEqual({ clicks: [0, 1] });
    expect(a.assignment.clicks![0]!.path).toBe(`${BASE}/clicks/0`);
    const res = await post(t, groupUrl("g", "/commit"), {
      member_id: a.member_id,
      member_epoch: 1,
      offsets: [{ topic: "clicks", partition: 0, offset: offset(3) }],
    });
    expect(res.status).toBe(200);
    const view = (await (await t.request(groupUrl("g", "/offsets"))).json()) as {
      offsets: Array<{ committed: { seq: number | null }; lag: { messages: number | null; bytes: number } }>;
    };
    // This store counts bytes, not messages: lag in bytes only.
    expect(view.offsets[0]!.committed.seq).toBeNull();
    expect(view.offsets[0]!.lag).toEqual({ messages: null, bytes: 6 });
    await expectError(
      await post(t, groupUrl("g", "/offsets/reset"), { topics: ["clicks"], to: { at: 0 } }),
      409,
      "GROUP_NOT_EMPTY",
    );
    await beat(t, "g", { member_id: a.member_id, member_epoch: -1 });
    await expectError(
      await post(t, groupUrl("g", "/offsets/reset"), { topics: ["clicks"], to: { at: 0 } }),
      400,
      "INVALID_GROUP_REQUEST",
    );
  });

  test("settings that cannot work are refused when the server is built", async () => {
    await expect(() => startApp({ groups: { heartbeatIntervalMs: 50_000 } })).rejects.toThrow("heartbeatIntervalMs");
    await expect(() => startApp({ groups: { topics: { t: 0 } } })).rejects.toThrow("partition count");
  });
});

describe("a failed state write", () => {
  test("answers 503 with Retry-After, fails readiness, and recovers once writes work again", async () => {
    const store = new FaultyStore();
    const t = await groupApp({ orders: 1 }, { store, groups: { recoverAfterMs: 20 } });
    open = t;
    const a = await join(t, "g");
    store.failAppend = new Error("disk on fire");
    const res = await post(t, groupUrl("g", "/heartbeat"), { member_epoch: 0, topics: ["orders"] });
    await expectError(res.clone(), 503, "UNAVAILABLE");
    expect(res.headers.get("retry-after")).toBe("1");
    expect((await t.request("/readyz")).status).toBe(503);
    store.failAppend = undefined;
    const deadline = Date.now() + 5000;
    while ((await t.request("/readyz")).status !== 200) {
      if (Date.now() > deadline) throw new Error("groups did not recover");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The join that failed was never durable: only A is a member after the replay.
    const view = (await (await t.request(groupUrl("g"))).json()) as { members: Array<{ member_id: string }> };
    expect(view.members.map((m) => m.member_id)).toEqual([a.member_id]);
  });
});
