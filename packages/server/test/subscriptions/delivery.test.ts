/**
 * Delivery under failure (PROTOCOL §7.1): real local receivers that answer 500, hang past the
 * delivery timeout, or are not there at all, then recover. Every wake is eventually acked as
 * the protocol says; retries back off (1 s doubling, scaled down here by retryBaseMs); the
 * subscription shows `failed` with its next attempt while a retry is scheduled; and a dead or
 * hanging endpoint delays no other subscription.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import type { TestApp } from "../handlers/helpers.js";
import { getSub, offset, putSub, Receiver, stream, subscriptionApp, until } from "./support.js";

const BASE_MS = 200;
const apps: TestApp[] = [];
const receivers: Receiver[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function setUp() {
  const t = await subscriptionApp({
    subscriptions: { retryBaseMs: BASE_MS, retryMaxMs: 60 * BASE_MS, webhookTimeoutMs: 300 },
  });
  apps.push(t);
  const receiver = await Receiver.start();
  receivers.push(receiver);
  return { t, receiver };
}

describe("a receiver that fails, hangs and recovers", () => {
  test("every wake is retried with growing delays until acked; the cursor lands exactly on the tail", async () => {
    const { t, receiver } = await setUp();
    receiver.script.push({ status: 500 }, "hang", { status: 503 }, "hang");
    receiver.fallback = { status: 200, body: { done: true } };
    await putSub(t, "flaky", { type: "webhook", pattern: "ev/*", webhook: { url: receiver.url } });
    await t.create(stream("ev/a"), "text/plain", "abc");
    await until(async () => (await getSub(t, "flaky")).status === "failed");
    const failed = await getSub(t, "flaky");
    expect(Date.parse(failed.next_attempt_at!)).toBeGreaterThan(Date.now() - 1000);
    await receiver.waitFor(5, 20_000);
    await until(async () => (await getSub(t, "flaky")).streams[0]?.acked_offset === offset(3), 5_000);
    const view = await getSub(t, "flaky");
    expect(view).toMatchObject({ status: "active", next_attempt_at: null });
    // Each attempt is a new wake (and generation): a late answer to an old one is fenced.
    const generations = receiver.deliveries.map((d) => d.body.generation);
    expect(generations).toEqual([1, 2, 3, 4, 5]);
    // Gaps between attempts grow: at least 80% of BASE_MS × 2^(n-1) (plus the timeout after a hang).
    const gaps = receiver.deliveries.slice(1).map((d, i) => d.at - receiver.deliveries[i]!.at);
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(0.8 * BASE_MS * 2 ** i - 5);
    // Every wake named the same unacked data: nothing was acked by a failed attempt.
    for (const delivery of receiver.deliveries) {
      expect(delivery.body.streams).toEqual([
        { path: "ev/a", link_type: "glob", acked_offset: offset(0), tail_offset: offset(3), has_pending: true },
      ]);
    }
  });

  test("a hanging endpoint delays no other subscription", async () => {
    const { t, receiver: stuck } = await setUp();
    stuck.fallback = "hang";
    const healthy = await Receiver.start();
    receivers.push(healthy);
    healthy.fallback = { status: 200, body: { done: true } };
    await putSub(t, "stuck", { type: "webhook", pattern: "ev/*", webhook: { url: stuck.url } });
    await putSub(t, "healthy", { type: "webhook", pattern: "ev/*", webhook: { url: healthy.url } });
    await t.create(stream("ev/a"), "text/plain", "x");
    await stuck.waitFor(1);
    for (let n = 1; n <= 5; n++) {
      await t.append(stream("ev/a"), "text/plain", "y");
      // Each append is delivered to the healthy endpoint while the stuck one hangs or backs off.
      await until(async () => (await getSub(t, "healthy")).streams[0]?.acked_offset === offset(1 + n), 2_000);
    }
    expect((await getSub(t, "stuck")).streams[0]!.acked_offset).toBe(offset(0));
  });

  test("a refused connection is retried like any failure, and recovers when the endpoint comes up", async () => {
    const { t } = await setUp();
    // A port that was free a moment ago: connections to it are refused until the receiver listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await putSub(t, "later", {
      type: "webhook",
      pattern: "ev/*",
      webhook: { url: `http://127.0.0.1:${port}/webhook` },
    });
    await t.create(stream("ev/a"), "text/plain", "abc");
    await until(async () => (await getSub(t, "later")).status === "failed");
    const late = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"done":true}');
      });
    });
    await new Promise<void>((resolve) => late.listen(port, "127.0.0.1", resolve));
    try {
      await until(async () => (await getSub(t, "later")).streams[0]?.acked_offset === offset(3), 10_000);
      expect((await getSub(t, "later")).status).toBe("active");
    } finally {
      late.closeAllConnections();
      await new Promise<void>((resolve) => late.close(() => resolve()));
    }
  });
});
