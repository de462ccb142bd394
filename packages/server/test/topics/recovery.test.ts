/**
 * When the topics' state cannot be saved (a full disk): the change that needed it fails with
 * the store's error, topic administration and produce stop (503, readiness says why) rather
 * than act on state that is not durable, and once writes work again the state is replayed from
 * what is durable — partitions kept working throughout.
 */
import { StoreFullError } from "@rivulet/server";
import { afterEach, expect, test } from "vitest";
import { BASE, eventually, expectError, FaultyStore, startApp, type TestApp } from "../handlers/helpers.js";
import { createTopic, jsonHeaders, produce, TOPICS } from "./support.js";

let t: TestApp | undefined;
afterEach(() => t?.close());

test("a failed state write stops topics until the durable state is replayed", async () => {
  const store = new FaultyStore();
  t = await startApp({ store, topics: { recoverAfterMs: 100 } });
  const app = t;
  await createTopic(app, "kept", { partitions: 2 });
  store.failAppend = new StoreFullError();
  const refused = await app.request(`${TOPICS}/lost`, { method: "PUT", headers: jsonHeaders, body: "{}" });
  await expectError(refused, 507, "INSUFFICIENT_STORAGE");
  const ready = await app.request("/readyz");
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ status: "topics" });
  const unavailable = await app.request(`${TOPICS}/kept`);
  await expectError(unavailable, 503, "UNAVAILABLE");
  expect(unavailable.headers.get("retry-after")).toBe("1");
  await expectError(
    await app.request(`${TOPICS}/kept/records`, { method: "POST", headers: jsonHeaders, body: "[{}]" }),
    503,
    "UNAVAILABLE",
  );
  store.failAppend = undefined;
  // Partitions never stopped.
  await app.append(`${BASE}/topics/kept/0`, "application/json", '{"key":null,"value":1,"headers":{},"ts":1}');
  await eventually(async () => (await app.request("/readyz")).status === 200, 5_000);
  expect((await produce(app, "kept", [{ value: 2 }])).status).toBe(200);
  // What was never durable is not there.
  await expectError(await app.request(`${TOPICS}/lost`), 404, "TOPIC_NOT_FOUND");
});
