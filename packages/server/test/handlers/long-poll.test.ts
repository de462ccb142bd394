/** GET with live=long-poll (PROTOCOL §5.7), offset=now (§8), cursors (§10.1), live fan-out. */
import { currentInterval, formatOffset } from "@rivulet/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readersWaiting } from "../support/live-readers.js";
import { encode, expectError, FaultyStore, startApp, type TestApp } from "./helpers.js";

const TIMEOUT_MS = 150;

describe("long-poll", () => {
  let t: TestApp;
  /** Its timeout is past the test's own: a poll it answers at all was answered without waiting. */
  let patient: TestApp;
  beforeAll(async () => {
    t = await startApp({ longPollTimeoutMs: TIMEOUT_MS });
    patient = await startApp({ longPollTimeoutMs: 60_000 });
  });
  afterAll(async () => {
    await t.close();
    await patient.close();
  });

  const poll = (path: string, offset: string, extra = "", app = t) =>
    app.request(`${path}?offset=${offset}&live=long-poll${extra}`);

  test("without an offset is INVALID_OFFSET", async () => {
    const path = t.path();
    await t.create(path);
    await expectError(await t.request(`${path}?live=long-poll`), 400, "INVALID_OFFSET");
  });

  test("a malformed offset is INVALID_OFFSET", async () => {
    const path = t.path();
    await t.create(path);
    await expectError(await poll(path, "banana"), 400, "INVALID_OFFSET");
  });

  test("an offset beyond the tail is INVALID_OFFSET", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "ab");
    await expectError(await poll(path, formatOffset(3)), 400, "INVALID_OFFSET");
  });

  test("a missing stream is STREAM_NOT_FOUND", async () => {
    await expectError(await poll(t.path("missing"), "-1"), 404, "STREAM_NOT_FOUND");
  });

  test("existing data past the offset returns at once with a cursor", async () => {
    const path = patient.path();
    await patient.create(path, "text/plain", "ready");
    const res = await poll(path, "-1", "", patient);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ready");
    expect(res.headers.get("stream-cursor")).toMatch(/^\d+$/);
    expect(res.headers.get("etag")).not.toBeNull();
  });

  test("timeout: 204 with the tail, up to date and a cursor", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "abc");
    const started = Date.now();
    const res = await poll(path, formatOffset(3));
    const elapsed = Date.now() - started;
    expect(res.status).toBe(204);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(res.headers.get("stream-next-offset")).toBe(formatOffset(3));
    expect(res.headers.get("stream-up-to-date")).toBe("true");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(Number(res.headers.get("stream-cursor"))).toBeGreaterThanOrEqual(currentInterval(started));
  });

  test("an echoed cursor comes back strictly greater (§10.1)", async () => {
    const path = t.path();
    await t.create(path);
    const first = (await poll(path, formatOffset(0))).headers.get("stream-cursor")!;
    const second = (await poll(path, formatOffset(0), `&cursor=${first}`)).headers.get("stream-cursor")!;
    expect(Number(second)).toBeGreaterThan(Number(first));
  });

  test("a waiting poll is woken by an append and returns just the new data", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "old");
    const pending = poll(path, formatOffset(3));
    await readersWaiting(t.app.engine, path);
    await t.append(path, "text/plain", "new");
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("new");
    expect(res.headers.get("stream-next-offset")).toBe(formatOffset(6));
    expect(res.headers.get("stream-cursor")).not.toBeNull();
  });

  test("closed stream at the tail: 204 with Stream-Closed at once, no cursor", async () => {
    const path = patient.path();
    await patient.create(path, "text/plain", "end", { "stream-closed": "true" });
    const res = await poll(path, formatOffset(3), "", patient);
    expect(res.status).toBe(204);
    expect(res.headers.get("stream-closed")).toBe("true");
    expect(res.headers.get("stream-up-to-date")).toBe("true");
    expect(res.headers.get("stream-cursor")).toBeNull();
  });

  test("a stream closed while a poll waits answers 204 with Stream-Closed", async () => {
    const path = t.path();
    await t.create(path);
    const pending = poll(path, formatOffset(0));
    await readersWaiting(t.app.engine, path);
    await t.request(path, { method: "POST", headers: { "stream-closed": "true" } });
    const res = await pending;
    expect(res.status).toBe(204);
    expect(res.headers.get("stream-closed")).toBe("true");
  });

  test("a stream deleted while a poll waits answers STREAM_NOT_FOUND", async () => {
    const path = t.path();
    await t.create(path);
    const pending = poll(path, formatOffset(0));
    await readersWaiting(t.app.engine, path);
    await t.request(path, { method: "DELETE" });
    await expectError(await pending, 404, "STREAM_NOT_FOUND");
  });

  test("a stream soft-deleted while a poll waits answers STREAM_GONE", async () => {
    const path = t.path();
    await t.create(path);
    await t.create(t.path("fork"), "text/plain", undefined, { "stream-forked-from": path });
    const pending = poll(path, formatOffset(0));
    await readersWaiting(t.app.engine, path);
    await t.request(path, { method: "DELETE" });
    await expectError(await pending, 410, "STREAM_GONE");
  });

  test("a poll at a fork's tail is not woken by appends to its source (§5.7 forks)", async () => {
    const source = t.path("source");
    const fork = t.path("fork");
    await t.create(source, "text/plain", "shared");
    await t.create(fork, "text/plain", undefined, { "stream-forked-from": source });
    const pending = poll(fork, formatOffset(6));
    await readersWaiting(t.app.engine, fork);
    await t.append(source, "text/plain", "source only");
    const res = await pending;
    expect(res.status).toBe(204);
    expect(res.headers.get("stream-next-offset")).toBe(formatOffset(6));
  });

  describe("offset=now", () => {
    test("waits for new data and returns only it", async () => {
      const path = t.path();
      await t.create(path, "application/json", '[{"old":true}]');
      const pending = poll(path, "now");
      await readersWaiting(t.app.engine, path);
      await t.append(path, "application/json", '{"new":true}');
      const res = await pending;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([{ new: true }]);
    });

    test("times out with 204 and the tail", async () => {
      const path = t.path();
      await t.create(path, "text/plain", "12345");
      const res = await poll(path, "now");
      expect(res.status).toBe(204);
      expect(res.headers.get("stream-next-offset")).toBe(formatOffset(5));
      expect(res.headers.get("stream-up-to-date")).toBe("true");
    });

    test("on a closed stream returns 204 with Stream-Closed at once", async () => {
      const path = patient.path();
      await patient.create(path, "text/plain", "12345", { "stream-closed": "true" });
      const res = await poll(path, "now", "", patient);
      expect(res.status).toBe(204);
      expect(res.headers.get("stream-closed")).toBe("true");
      expect(res.headers.get("stream-next-offset")).toBe(formatOffset(5));
    });
  });
});

describe("live fan-out", () => {
  test("one append wakes every waiter; all get the same data without a store read", async () => {
    const store = new FaultyStore();
    const t = await startApp({ store, longPollTimeoutMs: 5_000 });
    try {
      const path = t.path();
      // Not empty: a JSON read past offset 0 checks that it starts at a message boundary.
      await t.create(path, "application/json", '[{"tick":0}]');
      const waiters = Array.from({ length: 50 }, () => t.request(`${path}?offset=now&live=long-poll`));
      await readersWaiting(t.app.engine, path, 50);
      store.reads = 0;
      // The waiters' timeout (5 s) would answer 204: 200 says the append woke them.
      await t.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: encode('[{"tick":1},{"tick":2}]'),
      });
      const responses = await Promise.all(waiters);
      const bodies = await Promise.all(responses.map((r) => r.text()));
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(new Set(bodies).size).toBe(1);
      expect(JSON.parse(bodies[0]!)).toEqual([{ tick: 1 }, { tick: 2 }]);
      expect(new Set(responses.map((r) => r.headers.get("stream-next-offset"))).size).toBe(1);
      // The append's bytes are still in memory, and where it began is a message start.
      expect(store.reads).toBe(0);
    } finally {
      await t.close();
    }
  });
  test("waiters woken by one append share one header set, each with its own request id", async () => {
    const t = await startApp({ longPollTimeoutMs: 5_000 });
    try {
      const path = t.path();
      await t.create(path, "application/json");
      const waiters = Array.from({ length: 20 }, () => t.request(`${path}?offset=now&live=long-poll`));
      await readersWaiting(t.app.engine, path, 20);
      await t.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: encode("[1]") });
      const responses = await Promise.all(waiters);
      for (const r of responses) {
        expect(r.status).toBe(200);
        expect(r.headers.get("content-type")).toBe("application/json");
        expect(r.headers.get("etag")).toBe(responses[0]!.headers.get("etag"));
        expect(r.headers.get("access-control-allow-origin")).toBe("*");
        expect(r.headers.get("access-control-expose-headers")).toContain("stream-next-offset");
        expect(r.headers.get("x-content-type-options")).toBe("nosniff");
        expect(r.headers.get("stream-cursor")).not.toBeNull();
        expect(r.headers.get("stream-earliest-offset")).not.toBeNull();
        expect(await r.json()).toEqual([1]);
      }
      expect(new Set(responses.map((r) => r.headers.get("x-request-id"))).size).toBe(20);
    } finally {
      await t.close();
    }
  });

  test("a failed store read is not shared: the next poll at that offset reads again", async () => {
    const store = new FaultyStore();
    const t = await startApp({ store, longPollTimeoutMs: 5_000 });
    try {
      const path = t.path();
      await t.create(path, "text/plain", "abc");
      // A waiter at the tail keeps the stream's live set, where answers are shared.
      const waiting = t.request(`${path}?offset=now&live=long-poll`);
      await readersWaiting(t.app.engine, path, 1);
      store.failRead = new Error("disk detail");
      await expectError(await t.request(`${path}?offset=${formatOffset(1)}&live=long-poll`), 500, "INTERNAL");
      store.failRead = undefined;
      const retry = await t.request(`${path}?offset=${formatOffset(1)}&live=long-poll`);
      expect(retry.status).toBe(200);
      expect(await retry.text()).toBe("bc");
      await t.request(path, { method: "POST", headers: { "content-type": "text/plain" }, body: encode("d") });
      expect(await (await waiting).text()).toBe("d");
    } finally {
      await t.close();
    }
  });
});
