/**
 * Subscriptions and the rest of the server: access control (management needs admin, claims a
 * write on the subscription, callbacks only the wake's token, the JWKS nothing), internal
 * state streams kept out of the listing and the stream cap, metrics, and logs that never
 * carry a token or key.
 */
import { afterEach, describe, expect, test } from "vitest";
import { BASE, expectError, type TestApp } from "../handlers/helpers.js";
import {
  bodyOf,
  getSub,
  json,
  offset,
  putSub,
  Receiver,
  stream,
  subPath,
  subscriptionApp,
  until,
  wakeCall,
} from "./support.js";

const ADMIN = "admin-token-0123456789";
const WORKER = "worker-token-0123456789";
const WRITER = "writer-token-0123456789";
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

const apps: TestApp[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function app(options: Parameters<typeof subscriptionApp>[0] = {}) {
  const t = await subscriptionApp(options);
  apps.push(t);
  return t;
}

describe("access control", () => {
  const tokens = [
    { token: ADMIN, scopes: ["admin", "write", "read"], id: "admin" },
    { token: WORKER, scopes: [`write:${BASE}/__ds/subscriptions/jobs`, `read:${BASE}/**`], id: "worker" },
    { token: WRITER, scopes: [`write:${BASE}/**`], id: "writer" },
  ];

  test("management needs admin; claim needs write on the subscription; callbacks carry the wake token only", async () => {
    const t = await app({ auth: { tokens } });
    const receiver = await Receiver.start();
    receivers.push(receiver);
    const hook = { type: "webhook", pattern: "ev/*", webhook: { url: receiver.url } };
    await expectError(await putSub(t, "h", hook), 401, "UNAUTHORIZED");
    await expectError(await putSub(t, "h", hook, auth(WORKER)), 403, "FORBIDDEN");
    expect((await putSub(t, "h", hook, auth(ADMIN))).status).toBe(201);
    await expectError(await t.request(subPath("h"), { headers: auth(WRITER) }), 403, "FORBIDDEN");
    await expectError(await t.request(`${BASE}/__ds/subscriptions`, { headers: auth(WORKER) }), 403, "FORBIDDEN");
    expect((await t.request(`${BASE}/__ds/subscriptions`, { headers: auth(ADMIN) })).status).toBe(200);
    expect((await t.request(`${BASE}/__ds/jwks.json`)).status).toBe(200);
    await expectError(
      await t.request(`${BASE}/__ds/signing-keys/rotate`, { method: "POST", headers: auth(WRITER) }),
      403,
      "FORBIDDEN",
    );

    // The callback authenticates with the wake's token, not a service credential.
    await t.create(stream("ev/a"), "text/plain", "x", auth(WRITER));
    const wake = (await receiver.waitFor(1)).body;
    const callback = await wakeCall(t, "h", "callback", wake.callback_token, {
      wake_id: wake.wake_id,
      generation: wake.generation,
      acks: [{ stream: "ev/a", offset: offset(1) }],
      done: true,
    });
    expect(callback.status).toBe(200);

    await t.create(stream("wake/jobs"), "application/json", "[]", auth(WRITER));
    expect(
      (await putSub(t, "jobs", { type: "pull-wake", pattern: "work/*", wake_stream: "wake/jobs" }, auth(ADMIN))).status,
    ).toBe(201);
    expect(
      (await putSub(t, "other", { type: "pull-wake", pattern: "work/*", wake_stream: "wake/jobs" }, auth(ADMIN)))
        .status,
    ).toBe(201);
    await t.create(stream("work/1"), "text/plain", "job", auth(WRITER));
    const claim = (id: string, token?: string) =>
      t.request(`${subPath(id)}/claim`, json("POST", { worker: "w" }, token ? auth(token) : {}));
    await expectError(await claim("jobs"), 401, "UNAUTHORIZED");
    await expectError(await claim("other", WORKER), 403, "FORBIDDEN");
    expect((await claim("jobs", WORKER)).status).toBe(200);
  });
});

describe("internal state streams", () => {
  test("a server that never uses subscriptions writes no state at all", async () => {
    const t = await app();
    await t.create(stream("plain"), "text/plain", "x");
    expect(await bodyOf(t.request(`${BASE}/__ds/jwks.json`))).toEqual({ keys: [] });
    expect((await bodyOf<{ subscriptions: unknown[] }>(t.request(`${BASE}/__ds/subscriptions`))).subscriptions).toEqual(
      [],
    );
    expect(await t.store.list({ prefix: `${BASE}/__ds/`, limit: 10 })).toEqual([]);
  });

  test("are not listed, not counted toward the stream cap, and not readable, forkable or writable", async () => {
    const t = await app({ maxStreams: 2 });
    await putSub(t, "s", { type: "webhook", pattern: "a/*", webhook: { url: "http://127.0.0.1:9/x" } });
    const listing = await bodyOf<{ streams: unknown[] }>(t.request(`${BASE}/__ds/streams`));
    expect(listing.streams).toEqual([]);
    const internal = await t.store.list({ prefix: `${BASE}/__ds/`, limit: 10 });
    expect(internal.length).toBeGreaterThanOrEqual(2);
    const statePath = internal[0]!.meta.path;
    await t.create(stream("one"));
    await t.create(stream("two"));
    await expectError(await t.request(stream("three"), { method: "PUT" }), 507, "STREAM_LIMIT_REACHED");
    for (const method of ["GET", "POST", "DELETE", "HEAD"]) {
      expect((await t.request(statePath, { method })).status).toBe(404);
    }
    await t.request(stream("one"), { method: "DELETE" });
    const fork = await t.request(stream("copy"), { method: "PUT", headers: { "stream-forked-from": statePath } });
    await expectError(fork, 404, "FORK_SOURCE_NOT_FOUND");
    expect(
      (
        await bodyOf<{ streams: unknown[] }>(
          t.request(`${BASE}/__ds/streams?prefix=${encodeURIComponent(`${BASE}/__ds/`)}`),
        )
      ).streams,
    ).toEqual([]);
  });
});

describe("metrics and logs", () => {
  test("deliveries, retries, lag and pending subscriptions are in /metrics; lag series are capped", async () => {
    const t = await app({ subscriptions: { lagSeries: 1, retryBaseMs: 50, webhookTimeoutMs: 500 } });
    const receiver = await Receiver.start();
    receivers.push(receiver);
    receiver.script.push({ status: 500 });
    receiver.fallback = { status: 200, body: { done: true } };
    await putSub(t, "hook", { type: "webhook", pattern: "ev/*", webhook: { url: receiver.url } });
    await t.create(stream("wake/p"), "application/json", "[]");
    await putSub(t, "big", { type: "pull-wake", pattern: "lag/*", wake_stream: "wake/p" });
    await putSub(t, "small", { type: "pull-wake", streams: ["lag/small"], wake_stream: "wake/p" });
    await t.create(stream("ev/a"), "text/plain", "abc");
    await t.create(stream("lag/big"), "text/plain", "0123456789");
    await t.create(stream("lag/small"), "text/plain", "01");
    await until(async () => (await getSub(t, "hook")).streams[0]?.acked_offset === offset(3));
    const metrics = await (await t.request("/metrics")).text();
    expect(metrics).toMatch(/rivulet_webhook_deliveries_total\{outcome="status"\} 1/);
    expect(metrics).toMatch(/rivulet_webhook_deliveries_total\{outcome="done"\} 1/);
    expect(metrics).toMatch(/rivulet_webhook_delivery_seconds_count\{outcome="done"\} 1/);
    expect(metrics).toMatch(/rivulet_subscription_retries_total 1/);
    expect(metrics).toMatch(/rivulet_subscriptions\{type="pull-wake",status="active"\} 2/);
    expect(metrics).toMatch(/rivulet_subscriptions\{type="webhook",status="active"\} 1/);
    expect(metrics).toMatch(/rivulet_subscriptions_pending 2/);
    // lag/big (10 bytes) counts for "big"; lag/small (2 bytes) for both "big" (pattern) and "small".
    expect(metrics).toMatch(/rivulet_subscriptions_lag_bytes 14/);
    expect(metrics).toMatch(/rivulet_subscription_lag_bytes\{subscription="big"\} 12/);
    expect(metrics).not.toMatch(/rivulet_subscription_lag_bytes\{subscription="small"\}/);
    expect(metrics).toMatch(/rivulet_wake_events_total\{outcome="ok"\} \d/);
  });

  test("each delivery attempt is logged with its outcome, never with a token, signature or key", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const collect = (level: string) => (fields: object, message?: string) => lines.push({ level, message, ...fields });
    const logger = { debug: collect("debug"), info: collect("info"), warn: collect("warn"), error: collect("error") };
    const t = await app({ logger, subscriptions: { retryBaseMs: 50 } });
    const receiver = await Receiver.start();
    receivers.push(receiver);
    receiver.script.push({ status: 500 });
    await putSub(t, "s", { type: "webhook", pattern: "ev/*", webhook: { url: `${receiver.url}?key=query-secret` } });
    await t.create(stream("ev/a"), "text/plain", "abc");
    const wake = (await receiver.waitFor(2)).body;
    await until(() => lines.filter((line) => String(line.message).startsWith("webhook delivery")).length >= 2);
    const attempts = lines.filter((line) => String(line.message).startsWith("webhook delivery"));
    expect(attempts[0]).toMatchObject({
      level: "warn",
      subscription: "s",
      outcome: "status",
      status: 500,
      attempt: 1,
      generation: 1,
    });
    expect(attempts[0]!.next_attempt_at).toEqual(expect.any(String));
    expect(attempts[1]).toMatchObject({ level: "info", subscription: "s", outcome: "accepted", status: 200 });
    const logged = JSON.stringify(lines);
    const signature = String(receiver.deliveries[0]!.headers["webhook-signature"]);
    expect(logged).not.toContain(wake.callback_token);
    expect(logged).not.toContain(signature.split("ed25519=")[1]);
    expect(logged).not.toContain("query-secret");
    expect(logged).not.toMatch(/"d":"/);
  });
});
