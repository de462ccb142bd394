/** POST with Stream-Closed: true and no body: close (PROTOCOL §5.3, §4.1). */
import { formatOffset } from "@rivulet/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { encode, expectError, startApp, type TestApp } from "./helpers.js";

describe("close", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  const close = (path: string, headers: Record<string, string> = {}) =>
    t.request(path, { method: "POST", headers: { "stream-closed": "true", ...headers } });

  test("close-only is 204 with Stream-Closed and the unchanged tail; HEAD then shows closure", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "abc");
    const res = await close(path);
    expect(res.status).toBe(204);
    expect(res.headers.get("stream-closed")).toBe("true");
    expect(res.headers.get("stream-next-offset")).toBe(formatOffset(3));
    expect((await t.request(path, { method: "HEAD" })).headers.get("stream-closed")).toBe("true");
  });

  test("closing again is idempotent (204, Stream-Closed)", async () => {
    const path = t.path();
    await t.create(path);
    await close(path);
    const again = await close(path, { "stream-closed": "True" });
    expect(again.status).toBe(204);
    expect(again.headers.get("stream-closed")).toBe("true");
  });

  test("close-only ignores a mismatched Content-Type (§5.2)", async () => {
    const path = t.path();
    await t.create(path, "application/json");
    expect((await close(path, { "content-type": "text/plain" })).status).toBe(204);
  });

  test("append-and-close writes the final data and closes atomically", async () => {
    const path = t.path();
    await t.create(path);
    const res = await t.request(path, {
      method: "POST",
      headers: { "content-type": "text/plain", "stream-closed": "true" },
      body: encode("bye"),
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("stream-closed")).toBe("true");
    const read = await t.request(path);
    expect(await read.text()).toBe("bye");
    expect(read.headers.get("stream-closed")).toBe("true");
  });

  test("closing a missing stream is STREAM_NOT_FOUND", async () => {
    await expectError(await close(t.path("missing")), 404, "STREAM_NOT_FOUND");
  });

  test("closing a soft-deleted stream is STREAM_GONE", async () => {
    const source = t.path("source");
    await t.create(source);
    await t.create(t.path("fork"), "text/plain", undefined, { "stream-forked-from": source });
    await t.request(source, { method: "DELETE" });
    await expectError(await close(source), 410, "STREAM_GONE");
  });

  test("an append after close is STREAM_CLOSED with Stream-Closed and Stream-Next-Offset", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "1234567");
    await close(path);
    const res = await t.request(path, { method: "POST", headers: { "content-type": "text/plain" }, body: encode("x") });
    expect(res.headers.get("stream-closed")).toBe("true");
    expect(res.headers.get("stream-next-offset")).toBe(formatOffset(7));
    await expectError(res, 409, "STREAM_CLOSED");
  });
});
