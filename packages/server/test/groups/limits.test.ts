/** The limits of the group API over HTTP: groups, members, body size, and waiting heartbeats. */
import { afterEach, expect, test } from "vitest";
import { expectError } from "../handlers/helpers.js";
import { type GroupApp, groupApp, groupUrl, join, poll, post } from "./support.js";

let t: GroupApp;
afterEach(() => t?.close());

const joinBody = { member_epoch: 0, topics: ["orders"] };

test("groups and members past their limits are 507; a body past its limit is 413", async () => {
  t = await groupApp({ orders: 2 }, { groups: { maxGroups: 1, maxMembersPerGroup: 1, maxBodyBytes: 200 } });
  await join(t, "g");
  await expectError(await post(t, groupUrl("g", "/heartbeat"), joinBody), 507, "GROUP_MAX_SIZE_REACHED");
  await expectError(await post(t, groupUrl("other", "/heartbeat"), joinBody), 507, "GROUP_LIMIT_REACHED");
  await expectError(
    await post(t, groupUrl("g", "/heartbeat"), {
      ...joinBody,
      topics: Array.from({ length: 50 }, (_, i) => `topic-${i}`),
    }),
    413,
    "PAYLOAD_TOO_LARGE",
  );
});

test("a waiting heartbeat holds a live-connection slot: past the cap, 503 with Retry-After", async () => {
  t = await groupApp({ orders: 2 }, { maxLiveConnections: 1 });
  const a = await join(t, "g");
  const waiting = poll(t, "g", a, "?wait_ms=5000");
  // The first heartbeat is admitted, its slot taken, by the tasks already queued.
  await new Promise((resolve) => setImmediate(resolve));
  const refused = await post(t, groupUrl("g", "/heartbeat?wait_ms=5000"), {
    member_id: a.member_id,
    member_epoch: a.member_epoch,
  });
  await expectError(refused.clone(), 503, "TOO_MANY_CONNECTIONS");
  expect(refused.headers.get("retry-after")).not.toBeNull();
  // A heartbeat without wait_ms is not a live connection.
  expect((await post(t, groupUrl("g", "/heartbeat"), { member_id: a.member_id, member_epoch: 1 })).status).toBe(200);
  // A second member joining changes the group: the waiting heartbeat answers with the revocation.
  await join(t, "g");
  const answered = await waiting;
  expect(answered.assignment.orders).toHaveLength(1);
});

test("a graceful shutdown answers a waiting heartbeat at once", async () => {
  t = await groupApp({ orders: 2 });
  const a = await join(t, "g");
  const waiting = poll(t, "g", a, "?wait_ms=20000");
  await new Promise((resolve) => setImmediate(resolve));
  // Without the drain hook this would wait out wait_ms (20 s) and the drain its timeout (60 s),
  // past the test's timeout; drained, the heartbeat answers and the drain ends with it.
  await t.app.drain(60_000);
  const answered = await waiting;
  expect(answered.member_epoch).toBe(a.member_epoch);
  expect(answered.assignment.orders).toHaveLength(2);
});

test("a member that stops heartbeating is removed by the sweep, and a waiting member gets its partitions", async () => {
  t = await groupApp({ orders: 2 }, { groups: { sessionTimeoutMs: 300, heartbeatIntervalMs: 100, maxWaitMs: 250 } });
  const a = await join(t, "g");
  let b = await join(t, "g");
  await poll(t, "g", a);
  // A falls silent. B keeps heartbeating (long-polls): A's expiry is a group change that wakes it.
  for (let i = 0; i < 40 && (b.assignment.orders?.length ?? 0) < 2; i++) b = await poll(t, "g", b, "?wait_ms=250");
  expect(b.assignment.orders).toHaveLength(2);
  await expectError(
    await post(t, groupUrl("g", "/heartbeat"), { member_id: a.member_id, member_epoch: a.member_epoch }),
    404,
    "UNKNOWN_MEMBER_ID",
  );
});
