/** PUT with Stream-Forked-From: forks (PROTOCOL §4.2) and their error paths. */
import { formatOffset } from "@rivulet/protocol";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectError, startApp, type TestApp } from "./helpers.js";

describe("fork", () => {
  let t: TestApp;
  let text: string; // a text/plain source holding "0123456789"
  let json: string; // an application/json source holding three messages
  beforeAll(async () => {
    t = await startApp();
    text = t.path("text-source");
    json = t.path("json-source");
    await t.create(text, "text/plain", "0123456789");
    await t.create(json, "application/json", '[{"n":1},{"n":2},{"n":3}]');
  });
  afterAll(() => t.close());

  const fork = (target: string, headers: Record<string, string>) => t.request(target, { method: "PUT", headers });

  test("a fork inherits data and content type up to the fork offset, then has its own", async () => {
    const target = t.path("fork");
    const res = await fork(target, { "stream-forked-from": text, "stream-fork-offset": formatOffset(4) });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(res.headers.get("stream-next-offset")).toBe(formatOffset(4));
    await t.append(target, "text/plain", "abc");
    expect(await (await t.request(target)).text()).toBe("0123abc");
  });

  test("a repeated identical fork PUT is 200", async () => {
    const target = t.path("fork");
    const headers = { "stream-forked-from": text, "stream-fork-offset": formatOffset(2) };
    expect((await fork(target, headers)).status).toBe(201);
    expect((await fork(target, headers)).status).toBe(200);
  });

  test("a JSON sub-offset counts messages past the anchor", async () => {
    const target = t.path("fork");
    const res = await fork(target, {
      "stream-forked-from": json,
      "stream-fork-offset": formatOffset(0),
      "stream-fork-sub-offset": "2",
    });
    expect(res.status).toBe(201);
    expect(await (await t.request(target)).json()).toEqual([{ n: 1 }, { n: 2 }]);
  });

  test("a missing source is FORK_SOURCE_NOT_FOUND (404)", async () => {
    await expectError(
      await fork(t.path("fork"), { "stream-forked-from": t.path("nope") }),
      404,
      "FORK_SOURCE_NOT_FOUND",
    );
  });

  test("a soft-deleted source is FORK_SOURCE_DELETED (409)", async () => {
    const source = t.path("source");
    await t.create(source, "text/plain", "x");
    await t.create(t.path("fork"), "text/plain", undefined, { "stream-forked-from": source });
    await t.request(source, { method: "DELETE" });
    await expectError(await fork(t.path("fork"), { "stream-forked-from": source }), 409, "FORK_SOURCE_DELETED");
  });

  test.each(["abc", "-1", "now", "0000000000000001_0000000000000000", "5"])(
    "a malformed Stream-Fork-Offset %j is INVALID_FORK_OFFSET",
    async (offset) => {
      const target = t.path("fork");
      await expectError(
        await fork(target, { "stream-forked-from": text, "stream-fork-offset": offset }),
        400,
        "INVALID_FORK_OFFSET",
      );
      expect((await t.request(target, { method: "HEAD" })).status).toBe(404);
    },
  );

  test("a fork offset past the source's tail is FORK_OFFSET_BEYOND_TAIL", async () => {
    await expectError(
      await fork(t.path("fork"), { "stream-forked-from": text, "stream-fork-offset": formatOffset(11) }),
      400,
      "FORK_OFFSET_BEYOND_TAIL",
    );
  });

  test.each(["-1", "01", "1.5", "x"])("a malformed sub-offset %j is INVALID_FORK_SUB_OFFSET", async (sub) => {
    await expectError(
      await fork(t.path("fork"), { "stream-forked-from": text, "stream-fork-sub-offset": sub }),
      400,
      "INVALID_FORK_SUB_OFFSET",
    );
  });

  test("a byte sub-offset past the source's data is INVALID_FORK_SUB_OFFSET", async () => {
    await expectError(
      await fork(t.path("fork"), {
        "stream-forked-from": text,
        "stream-fork-offset": formatOffset(8),
        "stream-fork-sub-offset": "3",
      }),
      400,
      "INVALID_FORK_SUB_OFFSET",
    );
  });

  test("a message sub-offset past the source's messages is INVALID_FORK_SUB_OFFSET", async () => {
    await expectError(
      await fork(t.path("fork"), {
        "stream-forked-from": json,
        "stream-fork-offset": formatOffset(0),
        "stream-fork-sub-offset": "4",
      }),
      400,
      "INVALID_FORK_SUB_OFFSET",
    );
  });

  test("a Content-Type different from the source's is CONTENT_TYPE_MISMATCH (409)", async () => {
    await expectError(
      await fork(t.path("fork"), { "stream-forked-from": text, "content-type": "application/json" }),
      409,
      "CONTENT_TYPE_MISMATCH",
    );
  });

  test("an existing target with a different fork origin is STREAM_EXISTS", async () => {
    const target = t.path("fork");
    expect((await fork(target, { "stream-forked-from": text, "stream-fork-offset": formatOffset(1) })).status).toBe(
      201,
    );
    await expectError(
      await fork(target, { "stream-forked-from": text, "stream-fork-offset": formatOffset(2) }),
      409,
      "STREAM_EXISTS",
    );
  });

  test("a Stream-Forked-From that is not a path is BAD_REQUEST", async () => {
    await expectError(await fork(t.path("fork"), { "stream-forked-from": "relative/name" }), 400, "BAD_REQUEST");
    await expectError(await fork(t.path("fork"), { "stream-forked-from": "/v1/stream/%zz" }), 400, "BAD_REQUEST");
  });

  test("lifetime errors apply to forks too", async () => {
    await expectError(
      await fork(t.path("fork"), { "stream-forked-from": text, "stream-ttl": "1.5" }),
      400,
      "INVALID_TTL",
    );
    await expectError(
      await fork(t.path("fork"), {
        "stream-forked-from": text,
        "stream-ttl": "5",
        "stream-expires-at": "2099-01-01T00:00:00Z",
      }),
      400,
      "TTL_AND_EXPIRES_AT",
    );
  });

  test("a fork inherits the source's TTL when it asks for none (§4.2 table)", async () => {
    const source = t.path("source");
    await t.create(source, "text/plain", "x", { "stream-ttl": "300" });
    const res = await fork(t.path("fork"), { "stream-forked-from": source });
    expect(res.headers.get("stream-ttl")).toBe("300");
  });
});
