/**
 * A group's offset commit inside a transaction (the `commit` part, docs/kafka-layer.md
 * "Participants"), on real topics and both stores: the appends and the commit are written
 * together or not at all, the commit is checked exactly as a plain one (fencing, assignment
 * epochs, regressions, shape), its offsets and lag are visible as soon as it answers, and it
 * survives a restart with the appends.
 */
import type { ErrorCode } from "@rivulet/protocol";
import { FileStore } from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { BASE, expectError, startApp, type TestApp } from "../handlers/helpers.js";
import { createTopic, produce, STORES, tempDir, topicApp } from "../topics/support.js";
import { messages, refusals, transact } from "../transactions/support.js";
import { type Beat, beat, groupUrl, post } from "./support.js";

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const OUT0 = `${BASE}/topics/out/0`;
const OUT1 = `${BASE}/topics/out/1`;

interface Offsets {
  offsets: Array<{
    topic: string;
    partition: number;
    committed: { offset: string; seq: number | null } | null;
    lag: { messages: number | null };
  }>;
  lag: { messages: number; bytes: number };
}

async function offsets(t: TestApp, group = "g"): Promise<Offsets> {
  const res = await t.request(groupUrl(group, "/offsets"));
  expect(res.status).toBe(200);
  return (await res.json()) as Offsets;
}

/** Topics `in` (3 records on partition 0) and `out`, both of two partitions, and a member owning `in`. */
async function setUp(t: TestApp): Promise<{ member: Beat; next: string[] }> {
  await createTopic(t, "in", { partitions: 2 });
  await createTopic(t, "out", { partitions: 2 });
  const produced = await produce(t, "in", [
    { partition: 0, value: 1 },
    { partition: 0, value: 2 },
    { partition: 0, value: 3 },
  ]);
  const member = await beat(t, "g", { member_epoch: 0, topics: ["in"] });
  expect(member.assignment.in!.map((p) => p.partition)).toEqual([0, 1]);
  return { member, next: produced.records.map((r) => r.next_offset!) };
}

function commitPart(member: Beat, offset: string, extra: Record<string, unknown> = {}) {
  return {
    group: "g",
    member_id: member.member_id,
    member_epoch: member.member_epoch,
    offsets: [{ topic: "in", partition: 0, offset }],
    ...extra,
  };
}

const outputs = [
  { path: "topics/out/0", body: [{ key: "a", value: 1 }] },
  { path: "topics/out/1", body: { key: "b", value: 2 } },
];

for (const kind of Object.keys(STORES)) {
  describe(`group commits in transactions: ${kind} store`, () => {
    async function start(): Promise<TestApp> {
      const t = await topicApp(kind);
      apps.push(t);
      return t;
    }

    test("appends to two partitions and the commit land together; offsets and lag show it at once", async () => {
      const t = await start();
      const { member, next } = await setUp(t);
      const res = await transact(t, {
        items: outputs,
        commit: {
          ...commitPart(member, next[1]!),
          offsets: [{ topic: "in", partition: 0, offset: next[1], metadata: "batch 1" }],
        },
      });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as {
        items: Array<{ written: boolean }>;
        commit: { offsets: Array<{ topic: string; partition: number; committed: Record<string, unknown> }> };
      };
      expect(answer.items.map((i) => i.written)).toEqual([true, true]);
      // What a plain commit answers.
      expect(answer.commit.offsets).toEqual([
        {
          topic: "in",
          partition: 0,
          committed: { offset: next[1], seq: 2, metadata: "batch 1", committed_at: expect.any(String) },
        },
      ]);
      expect(await messages(t, OUT0)).toEqual([{ key: "a", value: 1 }]);
      expect(await messages(t, OUT1)).toEqual([{ key: "b", value: 2 }]);
      const view = await offsets(t);
      const p0 = view.offsets.find((o) => o.topic === "in" && o.partition === 0)!;
      expect(p0.committed).toMatchObject({ offset: next[1], seq: 2 });
      expect(p0.lag.messages).toBe(1);
      const described = (await (await t.request(groupUrl("g"))).json()) as { lag: { messages: number } };
      expect(described.lag.messages).toBe(1);
      // The next heartbeat hands the committed offset to the member, as after a plain commit.
      const again = await beat(t, "g", { member_id: member.member_id, member_epoch: member.member_epoch });
      expect(again.assignment.in![0]!.committed).toMatchObject({ offset: next[1], seq: 2 });
    });

    test("a refused commit refuses the transaction, naming `commit`: no append is written", async () => {
      const t = await start();
      const { member, next } = await setUp(t);
      // A first commit, so that going back is a regression.
      expect((await transact(t, { commit: commitPart(member, next[1]!) })).status).toBe(200);
      const cases: Array<[Record<string, unknown>, string, number]> = [
        [commitPart(member, next[2]!, { member_epoch: member.member_epoch + 1 }), "FENCED_MEMBER_EPOCH", 409],
        [commitPart(member, next[2]!, { member_id: "nobody" }), "UNKNOWN_MEMBER_ID", 404],
        [commitPart(member, next[0]!), "OFFSET_REGRESSION", 409],
        [
          { ...commitPart(member, next[2]!), offsets: [{ topic: "nope", partition: 0, offset: next[0] }] },
          "TOPIC_NOT_FOUND",
          404,
        ],
        [
          { ...commitPart(member, next[2]!), offsets: [{ topic: "in", partition: 5, offset: next[0] }] },
          "PARTITION_NOT_FOUND",
          404,
        ],
      ];
      for (const [commit, code, status] of cases) {
        const errors = await refusals(await transact(t, { items: outputs, commit }));
        expect(errors, code).toEqual([expect.objectContaining({ part: "commit", code, status })]);
      }
      expect(await messages(t, OUT0)).toEqual([]);
      expect(await messages(t, OUT1)).toEqual([]);
      const p0 = (await offsets(t)).offsets.find((o) => o.partition === 0 && o.topic === "in")!;
      expect(p0.committed!.offset).toBe(next[1]);
    });

    test("a partition assigned to another member: STALE_MEMBER_EPOCH, and nothing written", async () => {
      const t = await start();
      const { member, next } = await setUp(t);
      // A second member joins: `in`/0 or `in`/1 moves to it once the first gives it up.
      const second = await beat(t, "g", { member_epoch: 0, topics: ["in"] });
      const first = await beat(t, "g", {
        member_id: member.member_id,
        member_epoch: member.member_epoch,
        owned: { in: [0, 1] },
      });
      const kept = first.assignment.in!.map((p) => p.partition);
      expect(kept).toHaveLength(1);
      await beat(t, "g", { member_id: member.member_id, member_epoch: first.member_epoch, owned: { in: kept } });
      const moved = kept[0] === 0 ? 1 : 0;
      const taker = await beat(t, "g", { member_id: second.member_id, member_epoch: second.member_epoch, owned: {} });
      expect(taker.assignment.in!.map((p) => p.partition)).toEqual([moved]);
      const offset = moved === 0 ? next[0]! : "0000000000000000_0000000000000000";
      const errors = await refusals(
        await transact(t, {
          items: outputs,
          commit: {
            group: "g",
            member_id: member.member_id,
            member_epoch: first.member_epoch,
            offsets: [{ topic: "in", partition: moved, offset }],
          },
        }),
      );
      expect(errors).toEqual([expect.objectContaining({ part: "commit", code: "STALE_MEMBER_EPOCH", status: 409 })]);
      expect(await messages(t, OUT0)).toEqual([]);
      // Its new owner commits it in a transaction.
      const res = await transact(t, {
        items: outputs,
        commit: {
          group: "g",
          member_id: taker.member_id,
          member_epoch: taker.member_epoch,
          offsets: [{ topic: "in", partition: moved, offset }],
        },
      });
      expect(res.status).toBe(200);
    });

    test("a refused append refuses the commit too; the group is free afterwards", async () => {
      const t = await start();
      const { member, next } = await setUp(t);
      const res = await transact(t, {
        items: [...outputs, { path: "topics/out/7", body: 1 }],
        commit: commitPart(member, next[1]!),
      });
      expect((await refusals(res)).map((e) => [e.item, e.code])).toEqual([[2, "STREAM_NOT_FOUND"]]);
      expect(await messages(t, OUT0)).toEqual([]);
      expect((await offsets(t)).offsets.every((o) => o.committed === null)).toBe(true);
      // Nothing is left holding the group: a heartbeat, a plain commit and another transaction go through.
      await beat(t, "g", { member_id: member.member_id, member_epoch: member.member_epoch });
      const plain = await post(t, groupUrl("g", "/commit"), {
        member_id: member.member_id,
        member_epoch: member.member_epoch,
        offsets: [{ topic: "in", partition: 0, offset: next[0] }],
      });
      expect(plain.status).toBe(200);
      expect((await transact(t, { items: outputs, commit: commitPart(member, next[2]!) })).status).toBe(200);
      expect((await offsets(t)).offsets.find((o) => o.partition === 0)!.committed!.seq).toBe(3);
    });

    test("a malformed part is answered as a plain commit's error, naming `commit`; nothing written", async () => {
      const t = await start();
      const { member, next } = await setUp(t);
      const cases: Array<[unknown, ErrorCode, RegExp]> = [
        [[1], "INVALID_GROUP_REQUEST", /`commit`: A commit is/],
        [{ ...commitPart(member, next[0]!), group: "bad group" }, "INVALID_GROUP_REQUEST", /`commit`: A group id/],
        [{ ...commitPart(member, next[0]!), member_epoch: 0 }, "INVALID_GROUP_REQUEST", /member_epoch/],
        [{ ...commitPart(member, next[0]!), offsets: [] }, "INVALID_GROUP_REQUEST", /offsets must be/],
        [
          { ...commitPart(member, next[0]!), offsets: [{ topic: "in", partition: 0, offset: "bad" }] },
          "INVALID_OFFSET",
          /`commit`:/,
        ],
        [
          {
            ...commitPart(member, next[0]!),
            offsets: [{ topic: "in", partition: 1, offset: next[2] }],
          },
          "INVALID_OFFSET",
          /past the partition's tail/,
        ],
      ];
      for (const [commit, code, message] of cases) {
        const error = await expectError(await transact(t, { items: outputs, commit }), 400, code);
        expect(error.error.message, JSON.stringify(commit)).toMatch(message);
      }
      expect(await messages(t, OUT0)).toEqual([]);
    });
  });
}

describe("group commits in transactions: access and restarts", () => {
  test("the commit part needs what a plain commit needs: write on the group", async () => {
    const auth = {
      tokens: [
        { id: "admin", token: "admin-0123456789abcdef", scopes: ["admin", "write", "read"] },
        { id: "streams", token: "streams-0123456789abcdef", scopes: [`write:${BASE}/topics/**`] },
        {
          id: "both",
          token: "both-0123456789abcdef",
          scopes: [`write:${BASE}/topics/**`, `write:${BASE}/__ds/groups/g`],
        },
      ],
    };
    const t = await startApp({ auth });
    apps.push(t);
    const as = (token: string) => ({
      request: (path: string, init: RequestInit = {}) =>
        t.request(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } }),
    });
    const admin = as("admin-0123456789abcdef") as TestApp;
    const { member, next } = await setUp(admin);
    const body = { items: outputs, commit: commitPart(member, next[0]!) };
    await expectError(await transact(as("streams-0123456789abcdef"), body), 403, "FORBIDDEN");
    expect(await messages(admin, OUT0)).toEqual([]);
    expect((await transact(as("both-0123456789abcdef"), body)).status).toBe(200);
  });

  test("the commit and the appends survive a restart together (file store)", async () => {
    const dir = await tempDir();
    const first = await startApp({ store: new FileStore({ dir }) });
    const { member, next } = await setUp(first);
    for (const [i, offset] of next.entries()) {
      const res = await transact(first, {
        items: [{ path: "topics/out/0", body: { i } }],
        commit: commitPart(member, offset),
      });
      expect(res.status).toBe(200);
    }
    await first.close();
    const second = await startApp({ store: new FileStore({ dir }) });
    apps.push(second);
    expect(await messages(second, OUT0)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    const p0 = (await offsets(second)).offsets.find((o) => o.topic === "in" && o.partition === 0)!;
    expect(p0.committed).toMatchObject({ offset: next[2], seq: 3 });
    expect(p0.lag.messages).toBe(0);
  });
});
