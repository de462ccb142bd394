/** Idempotent producers over HTTP (PROTOCOL §5.2.1): headers, fencing, gaps, reordering. */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { encode, expectError, startApp, type TestApp } from "./helpers.js";

const REORDER_WAIT_MS = 200;

describe("idempotent producers", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ producerReorderWaitMs: REORDER_WAIT_MS });
  });
  afterAll(() => t.close());

  const send = (path: string, producer: Record<string, string>, body = "x", extra: Record<string, string> = {}) =>
    t.request(path, {
      method: "POST",
      headers: { "content-type": "text/plain", ...producer, ...extra },
      body: encode(body),
    });
  const claim = (id: string, epoch: number, seq: number) => ({
    "producer-id": id,
    "producer-epoch": String(epoch),
    "producer-seq": String(seq),
  });
  const read = async (path: string) => (await t.request(path)).text();

  async function stream(): Promise<string> {
    const path = t.path("producer");
    await t.create(path);
    return path;
  }

  test("new data is 200 with Producer-Epoch and Producer-Seq; a retry is 204 and writes nothing", async () => {
    const path = await stream();
    const first = await send(path, claim("p", 0, 0), "a");
    expect(first.status).toBe(200);
    expect(first.headers.get("producer-epoch")).toBe("0");
    expect(first.headers.get("producer-seq")).toBe("0");
    const retry = await send(path, claim("p", 0, 0), "a");
    expect(retry.status).toBe(204);
    expect(retry.headers.get("producer-seq")).toBe("0");
    expect(await read(path)).toBe("a");
  });

  test.each<[string, Record<string, string>]>([
    ["only Producer-Id", { "producer-id": "p" }],
    ["Producer-Id and Producer-Epoch", { "producer-id": "p", "producer-epoch": "0" }],
    ["Producer-Epoch and Producer-Seq", { "producer-epoch": "0", "producer-seq": "0" }],
    ["only Producer-Seq", { "producer-seq": "0" }],
  ])("a partial set (%s) is INVALID_PRODUCER_HEADERS", async (_, headers) => {
    const path = await stream();
    await expectError(await send(path, headers), 400, "INVALID_PRODUCER_HEADERS");
    expect(await read(path)).toBe("");
  });

  test("an empty Producer-Id is INVALID_PRODUCER_HEADERS", async () => {
    const path = await stream();
    await expectError(
      await send(path, { "producer-id": "", "producer-epoch": "0", "producer-seq": "0" }),
      400,
      "INVALID_PRODUCER_HEADERS",
    );
  });

  test.each(["-1", "1.5", "01", "abc", "9007199254740992", "1e3"])(
    "a bad integer %j in Producer-Epoch or Producer-Seq is INVALID_PRODUCER_HEADERS",
    async (bad) => {
      const path = await stream();
      const base = claim("p", 0, 0);
      await expectError(await send(path, { ...base, "producer-epoch": bad }), 400, "INVALID_PRODUCER_HEADERS");
      await expectError(await send(path, { ...base, "producer-seq": bad }), 400, "INVALID_PRODUCER_HEADERS");
    },
  );

  test("producer headers are validated before the body is considered (close-only too)", async () => {
    const path = await stream();
    const res = await t.request(path, { method: "POST", headers: { "stream-closed": "true", "producer-id": "p" } });
    await expectError(res, 400, "INVALID_PRODUCER_HEADERS");
    expect((await t.request(path, { method: "HEAD" })).headers.get("stream-closed")).toBeNull();
  });

  test("a new epoch that does not start at seq 0 is PRODUCER_EPOCH_SEQ_NOT_ZERO", async () => {
    const path = await stream();
    expect((await send(path, claim("p", 0, 0))).status).toBe(200);
    await expectError(await send(path, claim("p", 1, 1)), 400, "PRODUCER_EPOCH_SEQ_NOT_ZERO");
  });

  test("an older epoch is STALE_PRODUCER_EPOCH (403) with the current Producer-Epoch", async () => {
    const path = await stream();
    expect((await send(path, claim("p", 0, 0))).status).toBe(200);
    expect((await send(path, claim("p", 2, 0))).status).toBe(200);
    const res = await send(path, claim("p", 1, 0));
    expect(res.headers.get("producer-epoch")).toBe("2");
    await expectError(res, 403, "STALE_PRODUCER_EPOCH");
  });

  test("a seq that skips ahead is PRODUCER_SEQ_GAP (409) with expected and received seqs, after the reorder wait", async () => {
    const path = await stream();
    expect((await send(path, claim("p", 0, 0))).status).toBe(200);
    const started = Date.now();
    const res = await send(path, claim("p", 0, 3));
    const waited = Date.now() - started;
    expect(res.headers.get("producer-expected-seq")).toBe("1");
    expect(res.headers.get("producer-received-seq")).toBe("3");
    await expectError(res, 409, "PRODUCER_SEQ_GAP");
    expect(waited).toBeGreaterThanOrEqual(REORDER_WAIT_MS - 20);
    expect(waited).toBeLessThan(REORDER_WAIT_MS + 1_000);
  });

  test("producers are independent of each other", async () => {
    const path = await stream();
    expect((await send(path, claim("a", 5, 0), "1")).status).toBe(200);
    expect((await send(path, claim("b", 0, 0), "2")).status).toBe(200);
    expect((await send(path, claim("a", 5, 1), "3")).status).toBe(200);
    expect(await read(path)).toBe("123");
  });

  test("the retry of a producer's closing append is a duplicate; any other append is STREAM_CLOSED", async () => {
    const path = await stream();
    const close = await send(path, claim("p", 0, 0), "last", { "stream-closed": "true" });
    expect(close.status).toBe(200);
    expect(close.headers.get("stream-closed")).toBe("true");
    const retry = await send(path, claim("p", 0, 0), "last", { "stream-closed": "true" });
    expect(retry.status).toBe(204);
    expect(retry.headers.get("stream-closed")).toBe("true");
    const next = await send(path, claim("p", 0, 1), "more");
    expect(next.headers.get("stream-closed")).toBe("true");
    await expectError(next, 409, "STREAM_CLOSED");
    expect(await read(path)).toBe("last");
  });

  test("a producer close-only on a closed stream is 204 for the closing tuple, 409 for any other (§5.2.1)", async () => {
    const path = await stream();
    const closeOnly = (producer: Record<string, string>) =>
      t.request(path, { method: "POST", headers: { "stream-closed": "true", ...producer } });
    await send(path, claim("p", 0, 0), "a");
    expect((await closeOnly(claim("p", 0, 1))).status).toBe(204);
    const retry = await closeOnly(claim("p", 0, 1));
    expect(retry.status).toBe(204);
    expect(retry.headers.get("stream-closed")).toBe("true");
    for (const other of [claim("p", 0, 2), claim("p", 1, 0), claim("q", 0, 0)]) {
      const res = await closeOnly(other);
      expect(res.headers.get("stream-closed")).toBe("true");
      expect(res.headers.get("stream-next-offset")).toBe(retry.headers.get("stream-next-offset"));
      await expectError(res, 409, "STREAM_CLOSED");
    }
    // A close-only without producer headers stays idempotent.
    expect((await t.request(path, { method: "POST", headers: { "stream-closed": "true" } })).status).toBe(204);
    expect(await read(path)).toBe("a");
  });
});

describe("idempotent producers arriving out of order", () => {
  // A reorder wait no busy machine outlasts: the test sends seq 0 once seq 1 is provably held back.
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ producerReorderWaitMs: 10_000 });
  });
  afterAll(() => t.close());

  const send = (path: string, seq: number, body: string) =>
    t.request(path, {
      method: "POST",
      headers: { "content-type": "text/plain", "producer-id": "p", "producer-epoch": "0", "producer-seq": String(seq) },
      body: encode(body),
    });

  /**
   * Resolves once the engine holds an append back to wait for an earlier seq (§5.2.1). The
   * engine keeps that wait to itself; the test watches its private method to know it began.
   */
  function heldBack(): Promise<void> {
    const waits = (t.app.engine as unknown as { producerWaits: { wait(...args: unknown[]): Promise<void> } })
      .producerWaits;
    return new Promise((resolve) => {
      const spy = vi.spyOn(waits, "wait").mockImplementation(function (this: unknown, ...args) {
        spy.mockRestore();
        resolve();
        return waits.wait.apply(this, args);
      });
    });
  }

  test("seq 1 sent before seq 0 waits for it, and both succeed in seq order", async () => {
    const path = t.path("producer");
    await t.create(path);
    const waiting = heldBack();
    const second = send(path, 1, "second;");
    await waiting;
    const first = send(path, 0, "first;");
    const [r1, r0] = await Promise.all([second, first]);
    expect([r0.status, r1.status]).toEqual([200, 200]);
    expect(r1.headers.get("producer-seq")).toBe("1");
    expect(await (await t.request(path)).text()).toBe("first;second;");
  });

  test("a whole pipeline arriving backwards (seq 4..0) lands in seq order", async () => {
    const path = t.path("producer");
    await t.create(path);
    const sends = [4, 3, 2, 1, 0].map((seq) => send(path, seq, `${seq}`));
    const results = await Promise.all(sends);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await (await t.request(path)).text()).toBe("01234");
  });
});

describe("idempotent producers without a reorder wait", () => {
  test("seq 1 arriving before seq 0 is a gap, which is what the reorder wait prevents", async () => {
    const t = await startApp({ producerReorderWaitMs: 0 });
    try {
      const path = t.path();
      await t.create(path);
      const headers = (seq: number) => ({
        "content-type": "text/plain",
        "producer-id": "p",
        "producer-epoch": "0",
        "producer-seq": String(seq),
      });
      const early = await t.request(path, { method: "POST", headers: headers(1), body: encode("1") });
      await expectError(early, 409, "PRODUCER_SEQ_GAP");
      expect((await t.request(path, { method: "POST", headers: headers(0), body: encode("0") })).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
