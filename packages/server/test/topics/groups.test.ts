/**
 * Consumer groups on real topics: with no `groups.topics` setting, groups take their topics
 * from the topics feature's directory — partition paths under `{base}/topics/`, lag in
 * messages from the partitions' seqs, a rebalance when a topic grows, nothing to assign once
 * it is deleted — on both stores.
 */
import { afterEach, describe, expect, test } from "vitest";
import { beat, groupUrl, join, owned, poll, post } from "../groups/support.js";
import { BASE, type TestApp } from "../handlers/helpers.js";
import { createTopic, jsonHeaders, produce, STORES, TOPICS, topicApp } from "./support.js";

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

for (const kind of Object.keys(STORES)) {
  describe(`groups on topics: ${kind}`, () => {
    test("assignment, commits and lag on a topic's partition streams", async () => {
      const t = await topicApp(kind);
      apps.push(t);
      await createTopic(t, "orders", { partitions: 2 });
      const a = await join(t, "g");
      expect(owned(a)).toEqual({ orders: [0, 1] });
      expect(a.assignment.orders!.map((p) => p.path)).toEqual([`${BASE}/topics/orders/0`, `${BASE}/topics/orders/1`]);
      const produced = await produce(t, "orders", [
        { partition: 0, value: 1 },
        { partition: 0, value: 2 },
        { partition: 0, value: 3 },
      ]);
      const commit = await post(t, groupUrl("g", "/commit"), {
        member_id: a.member_id,
        member_epoch: a.member_epoch,
        offsets: [{ topic: "orders", partition: 0, offset: produced.records[0]!.next_offset }],
      });
      expect(commit.status).toBe(200);
      const view = (await (await t.request(groupUrl("g", "/offsets"))).json()) as {
        offsets: Array<{ partition: number; committed: { seq: number } | null; lag: { messages: number | null } }>;
      };
      const p0 = view.offsets.find((o) => o.partition === 0)!;
      expect(p0.committed!.seq).toBe(1);
      expect(p0.lag.messages).toBe(2);
    });

    test("a topic that grows rebalances its groups; a deleted one leaves nothing to assign", async () => {
      const t = await topicApp(kind);
      apps.push(t);
      await createTopic(t, "orders", { partitions: 1 });
      const a = await join(t, "g");
      expect(owned(a)).toEqual({ orders: [0] });
      const grown = await t.request(`${TOPICS}/orders`, {
        method: "PATCH",
        headers: jsonHeaders,
        body: '{"partitions":3}',
      });
      expect(grown.status).toBe(200);
      const after = await poll(t, "g", a);
      expect(owned(after)).toEqual({ orders: [0, 1, 2] });
      expect(after.member_epoch).toBeGreaterThan(a.member_epoch);
      expect((await t.request(`${TOPICS}/orders`, { method: "DELETE" })).status).toBe(204);
      const gone = await poll(t, "g", after);
      expect(owned(gone)).toEqual({});
      await beat(t, "g", { member_id: gone.member_id, member_epoch: -1 });
    });
  });
}
