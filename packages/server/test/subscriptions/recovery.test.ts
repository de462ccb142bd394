/**
 * When the state cannot be saved (a full disk): the request that needed it fails with the
 * store's error, subscriptions stop (503, readiness says why) instead of acting on state that
 * is not durable, and once writes work again the state is replayed from what is durable and
 * subscriptions resume — while streams kept working throughout.
 */
import { StoreFullError } from "@rivulet/server";
import { afterEach, expect, test } from "vitest";
import { BASE, expectError, FaultyStore, type TestApp } from "../handlers/helpers.js";
import { getSub, putSub, stream, subscriptionApp, until } from "./support.js";

let t: TestApp | undefined;
afterEach(() => t?.close());

test("a failed state write stops subscriptions until the durable state is replayed", async () => {
  const store = new FaultyStore();
  t = await subscriptionApp({ store, subscriptions: { recoverAfterMs: 100 } });
  const app = t;
  const hook = { type: "webhook", pattern: "a/*", webhook: { url: "http://127.0.0.1:9/x" } };
  expect((await putSub(app, "kept", hook)).status).toBe(201);
  store.failAppend = new StoreFullError();
  await expectError(await putSub(app, "lost", hook), 507, "INSUFFICIENT_STORAGE");
  const ready = await app.request("/readyz");
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ status: "subscriptions" });
  const unavailable = await app.request(`${BASE}/__ds/subscriptions/kept`);
  await expectError(unavailable, 503, "UNAVAILABLE");
  expect(unavailable.headers.get("retry-after")).toBe("1");
  store.failAppend = undefined;
  // Streams never stopped.
  await app.create(stream("plain"), "text/plain", "still works");
  await until(async () => (await app.request("/readyz")).status === 200);
  expect((await getSub(app, "kept")).id).toBe("kept");
  // What was never durable is not there.
  await expectError(await app.request(`${BASE}/__ds/subscriptions/lost`), 404, "SUBSCRIPTION_NOT_FOUND");
});
