/** POST: append (PROTOCOL §5.2, §9.1) and its error paths. */
import { formatOffset } from "@rivulet/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { encode, expectError, startApp, type TestApp, text } from "./helpers.js";

describe("append", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ maxBodyBytes: 64 });
  });
  afterAll(() => t.close());

  const post = (path: string, headers: Record<string, string>, body?: Uint8Array | ReadableStream<Uint8Array>) =>
    t.request(path, {
      method: "POST",
      headers,
      ...(body === undefined ? {} : { body, duplex: "half" }),
    } as RequestInit);

  const tail = async (path: string) => (await t.request(path, { method: "HEAD" })).headers.get("stream-next-offset");

  test("204 with the new tail; data reads back in order", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "ab");
    const res = await post(path, { "content-type": "text/plain; charset=utf-8" }, encode("cd"));
    expect(res.status).toBe(204);
    expect(res.headers.get("stream-next-offset")).toBe(formatOffset(4));
    expect(await text(await t.request(path))).toBe("abcd");
  });

  test("JSON arrays are flattened one level (§9.1.2)", async () => {
    const path = t.path();
    await t.create(path, "application/json");
    await t.append(path, "application/json", '[{"a":1},[2]]');
    await t.append(path, "application/json", '"three"');
    expect(await (await t.request(path)).json()).toEqual([{ a: 1 }, [2], "three"]);
  });

  test("an empty body without Stream-Closed is EMPTY_BODY", async () => {
    const path = t.path();
    await t.create(path);
    await expectError(await post(path, { "content-type": "text/plain" }), 400, "EMPTY_BODY");
  });

  test("Stream-Closed with a value other than true is ignored, so an empty body is EMPTY_BODY (§4.1)", async () => {
    const path = t.path();
    await t.create(path);
    await expectError(await post(path, { "stream-closed": "yes" }), 400, "EMPTY_BODY");
    expect((await t.request(path, { method: "HEAD" })).headers.get("stream-closed")).toBeNull();
  });

  test("a body without Content-Type is MISSING_CONTENT_TYPE", async () => {
    const path = t.path();
    await t.create(path);
    await expectError(await post(path, {}, encode("x")), 400, "MISSING_CONTENT_TYPE");
  });

  test("an invalid Content-Type is BAD_REQUEST", async () => {
    const path = t.path();
    await t.create(path);
    await expectError(await post(path, { "content-type": "nonsense" }, encode("x")), 400, "BAD_REQUEST");
  });

  test("a different Content-Type is CONTENT_TYPE_MISMATCH", async () => {
    const path = t.path();
    await t.create(path, "text/plain");
    await expectError(
      await post(path, { "content-type": "application/json" }, encode("1")),
      409,
      "CONTENT_TYPE_MISMATCH",
    );
    expect(await tail(path)).toBe(formatOffset(0));
  });

  test.each(["{", "[1,]", "nope", "\xff"])("invalid JSON %j is INVALID_JSON", async (body) => {
    const path = t.path();
    await t.create(path, "application/json");
    await expectError(await post(path, { "content-type": "application/json" }, encode(body)), 400, "INVALID_JSON");
    expect(await tail(path)).toBe(formatOffset(0));
  });

  test("an empty JSON array is EMPTY_JSON_ARRAY (§9.1.3)", async () => {
    const path = t.path();
    await t.create(path, "application/json");
    await expectError(
      await post(path, { "content-type": "application/json" }, encode(" [ ] ")),
      400,
      "EMPTY_JSON_ARRAY",
    );
  });

  test("a closed stream is STREAM_CLOSED with Stream-Closed and the final offset (§5.2)", async () => {
    const path = t.path();
    await t.create(path, "text/plain", "12345", { "stream-closed": "true" });
    const res = await post(path, { "content-type": "text/plain" }, encode("more"));
    expect(res.headers.get("stream-closed")).toBe("true");
    expect(res.headers.get("stream-next-offset")).toBe(formatOffset(5));
    await expectError(res, 409, "STREAM_CLOSED");
  });

  test("closure wins over a content type mismatch (§5.2 error precedence)", async () => {
    const path = t.path();
    await t.create(path, "text/plain", undefined, { "stream-closed": "true" });
    const res = await post(path, { "content-type": "application/json" }, encode("1"));
    expect(res.headers.get("stream-closed")).toBe("true");
    await expectError(res, 409, "STREAM_CLOSED");
  });

  test("append-and-close on a closed stream is STREAM_CLOSED (not idempotent without a producer)", async () => {
    const path = t.path();
    await t.create(path, "text/plain", undefined, { "stream-closed": "true" });
    const res = await post(path, { "content-type": "text/plain", "stream-closed": "true" }, encode("x"));
    await expectError(res, 409, "STREAM_CLOSED");
  });

  test("a Stream-Seq that does not increase is STREAM_SEQ_REGRESSION", async () => {
    const path = t.path();
    await t.create(path);
    await t.append(path, "text/plain", "a", { "stream-seq": "0002" });
    for (const seq of ["0002", "0001", "0"]) {
      await expectError(
        await post(path, { "content-type": "text/plain", "stream-seq": seq }, encode("x")),
        409,
        "STREAM_SEQ_REGRESSION",
      );
    }
    await t.append(path, "text/plain", "b", { "stream-seq": "0003" });
    expect(await text(await t.request(path))).toBe("ab");
  });

  test("a missing stream is STREAM_NOT_FOUND", async () => {
    await expectError(
      await post(t.path("missing"), { "content-type": "text/plain" }, encode("x")),
      404,
      "STREAM_NOT_FOUND",
    );
  });

  test("a soft-deleted stream is STREAM_GONE", async () => {
    const source = t.path("source");
    await t.create(source, "text/plain", "x");
    await t.create(t.path("fork"), "text/plain", undefined, { "stream-forked-from": source });
    await t.request(source, { method: "DELETE" });
    await expectError(await post(source, { "content-type": "text/plain" }, encode("x")), 410, "STREAM_GONE");
  });

  test("a declared body over maxBodyBytes is PAYLOAD_TOO_LARGE", async () => {
    const path = t.path();
    await t.create(path);
    await expectError(
      await post(path, { "content-type": "text/plain" }, encode("x".repeat(65))),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    expect(await tail(path)).toBe(formatOffset(0));
  });

  test("a streamed body that grows past maxBodyBytes is PAYLOAD_TOO_LARGE", async () => {
    const path = t.path();
    await t.create(path);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(encode("x".repeat(20)));
        controller.close();
      },
    });
    await expectError(await post(path, { "content-type": "text/plain" }, body), 413, "PAYLOAD_TOO_LARGE");
    expect(await tail(path)).toBe(formatOffset(0));
  });

  test("a body of exactly maxBodyBytes is accepted", async () => {
    const path = t.path();
    await t.create(path);
    expect((await post(path, { "content-type": "text/plain" }, encode("x".repeat(64)))).status).toBe(204);
  });
});
