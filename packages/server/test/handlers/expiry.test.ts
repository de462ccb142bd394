/** TTL and absolute expiry (PROTOCOL §5.1, §4) enforced on access and reclaimed by the sweeper. */
import { MemoryStore } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { eventually, expectError, sleep, startApp, type TestApp } from "./helpers.js";

const SWEEP_MS = 50;

describe("expiry", () => {
  const store = new MemoryStore();
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ store, sweepIntervalMs: SWEEP_MS });
  });
  afterAll(() => t.close());

  const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
  const status = async (path: string, method = "HEAD") => (await t.request(path, { method })).status;

  test("a stream past its Stream-Expires-At is STREAM_NOT_FOUND", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "short-lived", { "stream-expires-at": inMs(150) });
    expect(await status(path, "GET")).toBe(200);
    await sleep(200);
    await expectError(await t.request(path), 404, "STREAM_NOT_FOUND");
  });

  test("the path can be created again once the stream expired", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "v1", { "stream-expires-at": inMs(50) });
    await sleep(80);
    await t.create(path, "text/plain", "v2");
    expect(await (await t.request(path)).text()).toBe("v2");
  });

  test("the sweeper reclaims an expired stream nobody touches", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "forgotten", { "stream-expires-at": inMs(60) });
    const before = t.app.engine.streamCount;
    expect(await store.read(path, 0, 9)).toHaveLength(9);
    // No requests for the stream: only the sweeper can remove it.
    await eventually(() => t.app.engine.streamCount === before - 1, 1_000);
    await expect(store.read(path, 0, 9)).rejects.toThrow();
  });

  test("a sliding TTL is reset by reads, not by HEAD", async () => {
    const until = (at: number) => sleep(Math.max(0, at - Date.now()));
    const path = t.path();
    const created = Date.now();
    await t.create(path, "text/plain", "x", { "stream-ttl": "1" });
    await until(created + 500);
    const readAt = Date.now();
    expect(await status(path, "GET")).toBe(200); // the window now ends about readAt + 1 s
    const readDone = Date.now();
    await until(created + 1_150);
    expect(await status(path)).toBe(200); // past the original 1 s: alive only thanks to the read
    await until(readDone + 1_050);
    expect(await status(path)).toBe(404); // the HEAD did not extend it
    expect(readAt - created).toBeLessThan(1_000);
  });
});

/** A MemoryStore whose remove() takes a while, as a durable store's does (unlink, fsync). */
class SlowRemoveStore extends MemoryStore {
  override async remove(path: string): Promise<void> {
    await sleep(50);
    return super.remove(path);
  }
}

describe("expiry with a store whose remove is asynchronous", () => {
  // A create that finds the old stream expired must wait for its storage to be removed before
  // storing the new one; otherwise the store still holds the path and the create fails.
  test("re-creating a path whose stream expired (not yet swept) succeeds", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const t = await startApp({ store: new SlowRemoveStore(), sweepIntervalMs: 60_000 });
    try {
      const path = t.path();
      await t.create(path, "text/plain", "v1", { "stream-expires-at": new Date(Date.now() + 30).toISOString() });
      await sleep(60);
      const res = await t.request(path, { method: "PUT", headers: { "content-type": "text/plain" } });
      expect(res.status).toBe(201);
    } finally {
      vi.restoreAllMocks();
      await t.close();
    }
  });
});
