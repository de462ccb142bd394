/** TTL and absolute expiry (PROTOCOL §5.1, §4) enforced on access and reclaimed by the sweeper. */
import { MemoryStore } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { eventually, expectError, sleep, startApp, type TestApp } from "./helpers.js";

const SWEEP_MS = 50;

/**
 * Expiry is decided by the engine's clock, Date.now. Only Date is faked (timers stay real), so
 * each test moves the clock exactly past the moment it is about, however slow the machine.
 */
const later = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe("expiry", () => {
  const store = new MemoryStore();
  let t: TestApp;
  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    t = await startApp({ store, sweepIntervalMs: SWEEP_MS });
  });
  afterAll(async () => {
    await t.close();
    vi.useRealTimers();
  });

  const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
  const status = async (path: string, method = "HEAD") => (await t.request(path, { method })).status;

  test("a stream past its Stream-Expires-At is STREAM_NOT_FOUND", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "short-lived", { "stream-expires-at": inMs(150) });
    expect(await status(path, "GET")).toBe(200);
    later(149);
    expect(await status(path, "GET")).toBe(200);
    later(2);
    await expectError(await t.request(path), 404, "STREAM_NOT_FOUND");
  });

  test("the path can be created again once the stream expired", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "v1", { "stream-expires-at": inMs(50) });
    later(51);
    await t.create(path, "text/plain", "v2");
    expect(await (await t.request(path)).text()).toBe("v2");
  });

  test("the sweeper reclaims an expired stream nobody touches", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "forgotten", { "stream-expires-at": inMs(60) });
    const before = t.app.engine.streamCount;
    expect(await store.read(path, 0, 9)).toHaveLength(9);
    later(61);
    // No requests for the stream: only the sweeper (on a real timer) can remove it.
    await eventually(() => t.app.engine.streamCount === before - 1, 10_000);
    await expect(store.read(path, 0, 9)).rejects.toThrow();
  });

  test("a sliding TTL is reset by reads, not by HEAD", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "x", { "stream-ttl": "1" });
    later(500);
    expect(await status(path, "GET")).toBe(200); // the window now ends 1 s from here
    later(650);
    expect(await status(path)).toBe(200); // past the original 1 s: alive only thanks to the read
    later(351);
    expect(await status(path)).toBe(404); // past the read's window: the HEAD did not extend it
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
    vi.useFakeTimers({ toFake: ["Date"] });
    const t = await startApp({ store: new SlowRemoveStore(), sweepIntervalMs: 60_000 });
    try {
      const path = t.path();
      await t.create(path, "text/plain", "v1", { "stream-expires-at": new Date(Date.now() + 30).toISOString() });
      later(31);
      const res = await t.request(path, { method: "PUT", headers: { "content-type": "text/plain" } });
      expect(res.status).toBe(201);
    } finally {
      vi.restoreAllMocks();
      await t.close();
      vi.useRealTimers();
    }
  });
});
