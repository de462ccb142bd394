/** Store failures: a full disk is INSUFFICIENT_STORAGE (507), anything else INTERNAL (500). */
import { formatOffset } from "@rivulet/protocol";
import { StoreFullError } from "@rivulet/server";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { encode, expectError, FaultyStore, startApp, type TestApp } from "./helpers.js";

describe("store failures", () => {
  const store = new FaultyStore();
  const errors: object[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (fields: object) => errors.push(fields) };
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ store, logger });
  });
  afterAll(() => t.close());
  afterEach(() => {
    errors.length = 0;
    store.failAppend = undefined;
    store.failCreate = undefined;
    vi.restoreAllMocks();
  });

  const post = (path: string, body: string) =>
    t.request(path, { method: "POST", headers: { "content-type": "text/plain" }, body: encode(body) });

  test("a full store on append is INSUFFICIENT_STORAGE with Retry-After; nothing is written and the next append works", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "ok");
    store.failAppend = new StoreFullError();
    const res = await post(path, "lost");
    expect(res.headers.get("retry-after")).toBe("5");
    await expectError(res, 507, "INSUFFICIENT_STORAGE");
    store.failAppend = undefined;
    const next = await post(path, "+more");
    expect(next.headers.get("stream-next-offset")).toBe(formatOffset(7));
    expect(await (await t.request(path)).text()).toBe("ok+more");
  });

  test("a full store on create is INSUFFICIENT_STORAGE and the stream does not exist", async () => {
    const path = t.path();
    store.failCreate = new StoreFullError();
    await expectError(await t.request(path, { method: "PUT" }), 507, "INSUFFICIENT_STORAGE");
    store.failCreate = undefined;
    expect((await t.request(path, { method: "HEAD" })).status).toBe(404);
  });

  test("a failed producer append rolls producer state back, so the retry is accepted", async () => {
    const path = t.path();
    await t.create(path);
    const producer = { "content-type": "text/plain", "producer-id": "p", "producer-epoch": "0", "producer-seq": "0" };
    store.failAppend = new StoreFullError();
    await expectError(
      await t.request(path, { method: "POST", headers: producer, body: encode("x") }),
      507,
      "INSUFFICIENT_STORAGE",
    );
    store.failAppend = undefined;
    const retry = await t.request(path, { method: "POST", headers: producer, body: encode("x") });
    expect(retry.status).toBe(200);
    expect(await (await t.request(path)).text()).toBe("x");
  });

  test("any other store error is INTERNAL; the message does not leak the cause, which is logged", async () => {
    const path = t.path();
    await t.create(path);
    store.failAppend = new Error("secret disk detail");
    const res = await post(path, "x");
    const requestId = res.headers.get("x-request-id");
    const body = await expectError(res, 500, "INTERNAL");
    expect(body.error.message).not.toContain("secret disk detail");
    expect(JSON.stringify(errors)).toContain("secret disk detail");
    // The log line carries the request id the client saw.
    expect(errors).toContainEqual(expect.objectContaining({ reqId: requestId }));
  });

  test("INSUFFICIENT_STORAGE is not logged as an internal error", async () => {
    const path = t.path();
    await t.create(path);
    store.failAppend = new StoreFullError();
    await expectError(await post(path, "x"), 507, "INSUFFICIENT_STORAGE");
    expect(errors).toEqual([]);
  });
});
