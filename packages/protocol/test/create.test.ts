import { decideCreate, parseSubOffset, type StreamConfig } from "@rivulet/protocol";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

const base: StreamConfig = { contentType: "text/plain", lifetime: {}, retention: {}, closed: false, fork: undefined };

describe("decideCreate (PROTOCOL §5.1 idempotent create)", () => {
  test("nothing there: create", () => {
    expect(decideCreate(undefined, base)).toBe("create");
  });

  test("identical config: exists (200)", () => {
    expect(decideCreate({ config: base, softDeleted: false }, { ...base })).toBe("exists");
  });

  test("content type parameters do not count", () => {
    const existing = { config: { ...base, contentType: "text/plain; charset=utf-8" }, softDeleted: false };
    expect(decideCreate(existing, base)).toBe("exists");
  });

  test.each<[string, Partial<StreamConfig>]>([
    ["content type", { contentType: "application/json" }],
    ["TTL", { lifetime: { ttlSeconds: 5 } }],
    ["expiry", { lifetime: { expiresAt: 1 } }],
    ["retention time", { retention: { ms: 1000 } }],
    ["retention size", { retention: { bytes: 0 } }],
    ["closure status", { closed: true }],
    ["fork origin", { fork: { source: "/s", position: 0 } }],
  ])("a different %s is STREAM_EXISTS (409)", (_, change) => {
    const error = expectProtocolError(
      () => decideCreate({ config: base, softDeleted: false }, { ...base, ...change }),
      "STREAM_EXISTS",
    );
    expect(error.status).toBe(409);
  });

  test("a fork at a different position is STREAM_EXISTS", () => {
    const fork = { ...base, fork: { source: "/s", position: 3 } };
    expect(decideCreate({ config: fork, softDeleted: false }, fork)).toBe("exists");
    expectProtocolError(
      () => decideCreate({ config: fork, softDeleted: false }, { ...base, fork: { source: "/s", position: 4 } }),
      "STREAM_EXISTS",
    );
  });

  test("a soft-deleted path cannot be re-created, even with the same config (§4.2)", () => {
    expectProtocolError(() => decideCreate({ config: base, softDeleted: true }, base), "STREAM_EXISTS");
  });
});

describe("parseSubOffset (PROTOCOL §4.2 Stream-Fork-Sub-Offset)", () => {
  test("absent is 0", () => {
    expect(parseSubOffset(undefined)).toBe(0);
  });

  test.each([
    ["0", 0],
    ["7", 7],
    ["123456", 123456],
  ])("%j is %d", (raw, value) => {
    expect(parseSubOffset(raw)).toBe(value);
  });

  test.each(["-1", "01", "+1", "1.5", "", "abc", "9007199254740992"])("%j is INVALID_FORK_SUB_OFFSET", (raw) => {
    expectProtocolError(() => parseSubOffset(raw), "INVALID_FORK_SUB_OFFSET");
  });
});
