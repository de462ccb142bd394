/** PUT: create (PROTOCOL §5.1) and its error paths. */
import { formatOffset } from "@rivulet/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { encode, expectError, startApp, type TestApp, text } from "./helpers.js";

describe("create", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ maxBodyBytes: 64 });
  });
  afterAll(() => t.close());

  const put = (path: string, headers: Record<string, string>, body?: string) =>
    t.request(path, { method: "PUT", headers, ...(body === undefined ? {} : { body: encode(body) }) });

  const exists = async (path: string) => (await t.request(path, { method: "HEAD" })).status === 200;

  test("201 with Location, Content-Type and the tail after the initial body", async () => {
    const path = t.path();
    const res = await put(path, { "content-type": "text/plain", host: "rivulet.test" }, "hello");
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`http://rivulet.test${path}`);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(res.headers.get("stream-next-offset")).toBe(formatOffset(5));
    expect(await text(await t.request(path))).toBe("hello");
  });

  test("without Content-Type the stream is application/octet-stream", async () => {
    const path = t.path();
    const res = await t.request(path, { method: "PUT" });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
  });

  test("a repeated identical PUT is 200 without Location", async () => {
    const path = t.path();
    await t.create(path, "text/plain", undefined, { "stream-ttl": "60" });
    const res = await put(path, { "content-type": "text/plain", "stream-ttl": "60" });
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("stream-ttl")).toBe("60");
  });

  test("Stream-Closed: true creates a closed stream; repeating it is 200", async () => {
    const path = t.path();
    const res = await put(path, { "content-type": "text/plain", "stream-closed": "true" }, "final");
    expect(res.status).toBe(201);
    expect(res.headers.get("stream-closed")).toBe("true");
    expect((await put(path, { "content-type": "text/plain", "stream-closed": "TRUE" })).status).toBe(200);
  });

  test("a JSON stream accepts [] as an empty initial body (§9.1.3)", async () => {
    const path = t.path();
    const res = await put(path, { "content-type": "application/json" }, "[]");
    expect(res.status).toBe(201);
    expect(await text(await t.request(path))).toBe("[]");
  });

  test.each(["+3600", "03600", "3600.0", "3.6e3", "-1", "abc", ""])("Stream-TTL %j is INVALID_TTL", async (ttl) => {
    const path = t.path();
    await expectError(await put(path, { "stream-ttl": ttl }), 400, "INVALID_TTL");
    expect(await exists(path)).toBe(false);
  });

  test.each(["tomorrow", "2030-01-01", "2030-02-30T00:00:00Z", "2030-01-01T00:00:00"])(
    "Stream-Expires-At %j is INVALID_EXPIRES_AT",
    async (expiresAt) => {
      const path = t.path();
      await expectError(await put(path, { "stream-expires-at": expiresAt }), 400, "INVALID_EXPIRES_AT");
      expect(await exists(path)).toBe(false);
    },
  );

  test("Stream-TTL with Stream-Expires-At is TTL_AND_EXPIRES_AT", async () => {
    const path = t.path();
    const res = await put(path, { "stream-ttl": "60", "stream-expires-at": "2099-01-01T00:00:00Z" });
    await expectError(res, 400, "TTL_AND_EXPIRES_AT");
    expect(await exists(path)).toBe(false);
  });

  test.each(["not a type", "text", "text/plain/x"])("Content-Type %j is BAD_REQUEST", async (contentType) => {
    const path = t.path();
    await expectError(await put(path, { "content-type": contentType }), 400, "BAD_REQUEST");
    expect(await exists(path)).toBe(false);
  });

  test("an invalid JSON initial body is INVALID_JSON", async () => {
    const path = t.path();
    await expectError(await put(path, { "content-type": "application/json" }, "{nope"), 400, "INVALID_JSON");
    expect(await exists(path)).toBe(false);
  });

  test("a body over maxBodyBytes is PAYLOAD_TOO_LARGE", async () => {
    const path = t.path();
    await expectError(await put(path, { "content-type": "text/plain" }, "x".repeat(65)), 413, "PAYLOAD_TOO_LARGE");
    expect(await exists(path)).toBe(false);
  });

  describe("STREAM_EXISTS when the existing config differs (§5.1)", () => {
    test.each<[string, Record<string, string>, Record<string, string>]>([
      ["content type", { "content-type": "text/plain" }, { "content-type": "application/json" }],
      ["TTL", { "stream-ttl": "60" }, { "stream-ttl": "61" }],
      ["TTL vs none", { "stream-ttl": "60" }, {}],
      ["expiry", { "stream-expires-at": "2099-01-01T00:00:00Z" }, { "stream-expires-at": "2099-01-01T00:00:01Z" }],
      ["closure (open stream, closed PUT)", {}, { "stream-closed": "true" }],
      ["closure (closed stream, open PUT)", { "stream-closed": "true" }, {}],
    ])("%s", async (_, first, second) => {
      const path = t.path();
      expect((await put(path, first)).status).toBe(201);
      await expectError(await put(path, second), 409, "STREAM_EXISTS");
    });

    test("a soft-deleted path cannot be re-created while forks hold it (§4.2)", async () => {
      const source = t.path("source");
      await t.create(source, "text/plain", "data");
      await t.create(t.path("fork"), "text/plain", undefined, { "stream-forked-from": source });
      expect((await t.request(source, { method: "DELETE" })).status).toBe(204);
      await expectError(await put(source, { "content-type": "text/plain" }), 409, "STREAM_EXISTS");
    });
  });

  test("a deleted (not soft-deleted) path can be created again", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "old");
    expect((await t.request(path, { method: "DELETE" })).status).toBe(204);
    await t.create(path, "application/json", "[1]");
    expect(await text(await t.request(path))).toBe("[1]");
  });
});
