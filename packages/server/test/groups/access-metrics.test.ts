/**
 * Groups and access control (scopes on the group's path: write to heartbeat and commit, read
 * for offsets and describe, admin for resets, deletes and the listing), and their metrics.
 */
import { afterEach, describe, expect, test } from "vitest";
import { BASE, expectError } from "../handlers/helpers.js";
import { type GroupApp, groupApp, groupUrl, join, offset, poll, post } from "./support.js";

const WORKER = "orders-worker-token-0123456789";
const VIEWER = "group-viewer-token-0123456789";
const ADMIN = "group-admin-token-0123456789ab";

let t: GroupApp;
afterEach(() => t?.close());

const auth = {
  tokens: [
    { id: "worker", token: WORKER, scopes: [`write:${BASE}/__ds/groups/orders-*`] },
    { id: "viewer", token: VIEWER, scopes: [`read:${BASE}/__ds/groups/**`] },
    { id: "admin", token: ADMIN, scopes: [`admin:${BASE}/__ds/groups/**`, "admin", "write"] },
  ],
};

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("access control", () => {
  test("write on the group's path heartbeats and commits; read sees offsets; admin resets, deletes and lists", async () => {
    t = await groupApp({ orders: 2 }, { auth });
    const joinBody = { member_epoch: 0, topics: ["orders"] };
    const joined = await post(t, groupUrl("orders-app", "/heartbeat"), joinBody, bearer(WORKER));
    expect(joined.status).toBe(200);
    const member = (await joined.json()) as { member_id: string };
    await expectError(await post(t, groupUrl("billing", "/heartbeat"), joinBody, bearer(WORKER)), 403, "FORBIDDEN");
    await expectError(await post(t, groupUrl("orders-app", "/heartbeat"), joinBody), 401, "UNAUTHORIZED");
    await expectError(await post(t, groupUrl("orders-app", "/heartbeat"), joinBody, bearer(VIEWER)), 403, "FORBIDDEN");
    t.topics.append("orders", 0, 1);
    const commit = {
      member_id: member.member_id,
      member_epoch: 1,
      offsets: [{ topic: "orders", partition: 0, offset: offset(10) }],
    };
    expect((await post(t, groupUrl("orders-app", "/commit"), commit, bearer(WORKER))).status).toBe(200);
    await expectError(await post(t, groupUrl("orders-app", "/commit"), commit, bearer(VIEWER)), 403, "FORBIDDEN");
    expect((await t.request(groupUrl("orders-app", "/offsets"), { headers: bearer(VIEWER) })).status).toBe(200);
    expect((await t.request(groupUrl("orders-app"), { headers: bearer(VIEWER) })).status).toBe(200);
    await expectError(
      await t.request(groupUrl("orders-app", "/offsets"), { headers: bearer(WORKER) }),
      403,
      "FORBIDDEN",
    );
    const reset = { topics: ["orders"], to: "earliest" };
    await expectError(await post(t, groupUrl("orders-app", "/offsets/reset"), reset, bearer(WORKER)), 403, "FORBIDDEN");
    await expectError(
      await post(t, groupUrl("orders-app", "/offsets/reset"), reset, bearer(ADMIN)),
      409,
      "GROUP_NOT_EMPTY",
    );
    await expectError(await t.request(`${BASE}/__ds/groups`, { headers: bearer(VIEWER) }), 403, "FORBIDDEN");
    expect((await t.request(`${BASE}/__ds/groups`, { headers: bearer(ADMIN) })).status).toBe(200);
    await expectError(
      await t.request(groupUrl("orders-app"), { method: "DELETE", headers: bearer(WORKER) }),
      403,
      "FORBIDDEN",
    );
    await expectError(
      await t.request(groupUrl("orders-app"), { method: "DELETE", headers: bearer(ADMIN) }),
      409,
      "GROUP_NOT_EMPTY",
    );
  });
});

describe("metrics", () => {
  test("groups and members by state, rebalances, commits and lag, with bounded labels", async () => {
    t = await groupApp({ orders: 2 }, { groups: { lagSeries: 1 } });
    const a = await join(t, "one");
    await join(t, "one");
    await poll(t, "one", a);
    t.topics.append("orders", 0, 5);
    t.topics.append("orders", 1, 5);
    const solo = await join(t, "two");
    for (const [group, member, lag] of [["two", solo, 10]] as const) {
      await post(t, groupUrl(group, "/commit"), {
        member_id: member.member_id,
        member_epoch: member.member_epoch,
        offsets: [{ topic: "orders", partition: 0, offset: offset(lag) }],
      });
    }
    await post(t, groupUrl("three", "/offsets/reset"), { topics: ["orders"], to: "earliest" });
    const text = await (await t.request("/metrics")).text();
    const value = (line: string) =>
      Number(
        text
          .split("\n")
          .find((l) => l.startsWith(`${line} `))
          ?.split(" ")[1],
      );
    expect(value('rivulet_groups{state="reconciling"}')).toBe(1);
    expect(value('rivulet_groups{state="stable"}')).toBe(1);
    expect(value('rivulet_groups{state="empty"}')).toBe(1);
    expect(value('rivulet_group_members{state="revoking"}')).toBe(1);
    expect(value('rivulet_group_members{state="awaiting"}')).toBe(1);
    expect(value("rivulet_group_rebalances_total")).toBe(3);
    expect(value('rivulet_group_offset_commits_total{kind="commit"}')).toBe(1);
    expect(value('rivulet_group_offset_commits_total{kind="reset"}')).toBe(1);
    // "two" lags 40 bytes on partition 0; "three" was reset to the start of both: 100 bytes.
    expect(value("rivulet_groups_lag_bytes")).toBe(140);
    expect(value("rivulet_groups_lag_messages")).toBe(14);
    expect(text).toContain('rivulet_group_lag_bytes{group="three"} 100');
    expect(text).not.toContain('rivulet_group_lag_bytes{group="two"}');
  });
});
