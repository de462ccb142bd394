/**
 * GET {base}/__ds/subscriptions/:id/deliveries: an operator's view of a subscription's recent
 * delivery attempts (newest first), its retry schedule and the wake in flight, for webhooks and
 * pull-wake; admin only, 404 for a subscription that does not exist.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { BASE, expectError, type TestApp } from "../handlers/helpers.js";
import { bodyOf, putSub, Receiver, stream, subPath, subscriptionApp, until } from "./support.js";

interface Deliveries {
  subscription_id: string;
  type: string;
  status: string;
  generation: number;
  pending_streams: number;
  wake: { wake_id: string; generation: number; lease_until: string | null; holder: string | null } | null;
  retry: { attempt: number; next_attempt_at: string } | null;
  deliveries: Array<{
    at: string;
    wake_id: string;
    generation: number;
    kind: string;
    outcome: string;
    status: number | null;
    detail: string | null;
    ms: number | null;
    retry: { attempt: number; next_attempt_at: string } | null;
  }>;
}

let t: TestApp;
let receiver: Receiver;
beforeEach(async () => {
  // Retries after about 50 ms, so a failure and its retry fit in a test.
  t = await subscriptionApp({ subscriptions: { retryBaseMs: 50, retryMaxMs: 100 } });
  receiver = await Receiver.start();
});
afterEach(async () => {
  await t.close();
  await receiver.close();
});

const deliveries = (id: string) => bodyOf<Deliveries>(t.request(`${subPath(id)}/deliveries`));

describe("a subscription's deliveries", () => {
  test("a failed webhook shows its status and retry; the retry that succeeds comes first after it", async () => {
    receiver.script.push({ status: 503 });
    receiver.fallback = { status: 200, body: { done: true } };
    await putSub(t, "s", { type: "webhook", pattern: "ev/*", webhook: { url: receiver.url } });
    await t.create(stream("ev/a"), "text/plain", "abc");
    await receiver.waitFor(2);
    await until(async () => (await deliveries("s")).deliveries.length === 2);
    const view = await deliveries("s");
    const [retried, failed] = view.deliveries;
    expect(failed).toMatchObject({ kind: "webhook", outcome: "status", status: 503, generation: 1 });
    expect(failed!.retry?.attempt).toBe(1);
    expect(Date.parse(failed!.retry!.next_attempt_at)).toBeGreaterThanOrEqual(Date.parse(failed!.at));
    expect(failed!.detail).toEqual(expect.any(String));
    expect(retried).toMatchObject({ kind: "webhook", outcome: "done", status: 200, generation: 2, retry: null });
    expect(retried!.ms).toBeGreaterThanOrEqual(0);
    await until(async () => (await deliveries("s")).status === "active");
    expect(await deliveries("s")).toMatchObject({ subscription_id: "s", type: "webhook", retry: null, wake: null });
  });

  test("while failing, the subscription shows the retry it waits for and its pending streams", async () => {
    receiver.fallback = { status: 500 };
    await putSub(t, "s", { type: "webhook", pattern: "ev/*", webhook: { url: receiver.url } });
    await t.create(stream("ev/a"), "text/plain", "abc");
    await receiver.waitFor(2);
    await until(async () => (await deliveries("s")).retry !== null);
    const view = await deliveries("s");
    expect(view.status).toBe("failed");
    expect(view.pending_streams).toBe(1);
    expect(view.retry!.attempt).toBeGreaterThanOrEqual(1);
    expect(view.deliveries.every((d) => d.outcome === "status" && d.status === 500)).toBe(true);
  });

  test("pull-wake: a wake stream that does not exist is a failed write; once it exists, a written one", async () => {
    await putSub(t, "p", { type: "pull-wake", pattern: "jobs/*", wake_stream: "wakes" });
    await t.create(stream("jobs/1"), "text/plain", "x");
    await until(async () => (await deliveries("p")).deliveries.some((d) => d.outcome === "failed"));
    const failed = (await deliveries("p")).deliveries[0]!;
    expect(failed).toMatchObject({ kind: "wake-events", outcome: "failed", retry: { attempt: 1 } });
    await t.create(stream("wakes"), "application/json");
    await until(async () => (await deliveries("p")).deliveries[0]?.outcome === "written");
    const view = await deliveries("p");
    expect(view.wake).toMatchObject({ holder: null, lease_until: null });
    expect(view.wake!.generation).toBe(view.deliveries[0]!.generation);
  });

  test("a subscription that does not exist is 404 SUBSCRIPTION_NOT_FOUND; a deleted one forgets its history", async () => {
    await expectError(await t.request(`${subPath("none")}/deliveries`), 404, "SUBSCRIPTION_NOT_FOUND");
    receiver.fallback = { status: 200, body: { done: true } };
    await putSub(t, "s", { type: "webhook", pattern: "ev/*", webhook: { url: receiver.url } });
    await t.create(stream("ev/a"), "text/plain", "abc");
    await until(async () => (await deliveries("s")).deliveries.length === 1);
    expect((await t.request(subPath("s"), { method: "DELETE" })).status).toBe(204);
    await putSub(t, "s", { type: "webhook", pattern: "nothing/*", webhook: { url: receiver.url } });
    expect((await deliveries("s")).deliveries).toEqual([]);
  });
});

test("needs the admin scope when access control is on", async () => {
  const tokens = [
    { token: "admin-token-0123456789", scopes: ["admin"], id: "admin" },
    { token: "reader-token-0123456789", scopes: [`read:${BASE}/**`], id: "reader" },
  ];
  const secured = await subscriptionApp({ auth: { tokens } });
  try {
    const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    const path = `${subPath("none")}/deliveries`;
    await expectError(await secured.request(path, as("reader-token-0123456789")), 403, "FORBIDDEN");
    await expectError(await secured.request(path, as("admin-token-0123456789")), 404, "SUBSCRIPTION_NOT_FOUND");
  } finally {
    await secured.close();
  }
});
