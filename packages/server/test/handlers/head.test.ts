/** HEAD: metadata (PROTOCOL §5.5). */
import { formatOffset } from "@rivulet/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { handleDirect, startApp, type TestApp } from "./helpers.js";

describe("head", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  test("200 with content type, tail, TTL, no-store and no body", async () => {
    const path = t.path();
    await t.create(path, "application/json", "[1,2]", { "stream-ttl": "120" });
    const res = await t.request(path, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("stream-next-offset")).toBe(formatOffset("1,\n2,\n".length));
    expect(res.headers.get("stream-ttl")).toBe("120");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("stream-closed")).toBeNull();
    expect(await res.text()).toBe("");
  });

  test("shows Stream-Expires-At as RFC 3339 and Stream-Closed when closed", async () => {
    const path = t.path();
    await t.create(path, "text/plain", undefined, {
      "stream-expires-at": "2099-06-01T12:00:00+02:00",
      "stream-closed": "true",
    });
    const res = await t.request(path, { method: "HEAD" });
    expect(res.headers.get("stream-expires-at")).toBe("2099-06-01T10:00:00.000Z");
    expect(res.headers.get("stream-closed")).toBe("true");
  });

  test("a missing stream is 404 STREAM_NOT_FOUND", async () => {
    const path = t.path("missing");
    expect((await t.request(path, { method: "HEAD" })).status).toBe(404);
    expect(await handleDirect(t.app, "HEAD", path)).toMatchObject({ status: 404, code: "STREAM_NOT_FOUND" });
  });

  test("a path outside the base path is 404 STREAM_NOT_FOUND", async () => {
    expect(await handleDirect(t.app, "HEAD", "/nowhere")).toMatchObject({ status: 404, code: "STREAM_NOT_FOUND" });
  });
});
