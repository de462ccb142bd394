import { effectiveRetention, parseRetention, patchRetention, retentionsEqual } from "@rivulet/protocol";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

describe("parseRetention (Stream-TTL's integer grammar)", () => {
  test("absent headers set nothing", () => {
    expect(parseRetention(undefined, undefined)).toEqual({});
  });

  test("each header sets its setting", () => {
    expect(parseRetention("3600000", undefined)).toEqual({ ms: 3_600_000 });
    expect(parseRetention(undefined, "0")).toEqual({ bytes: 0 });
    expect(parseRetention("1", "1048576")).toEqual({ ms: 1, bytes: 1_048_576 });
  });

  test.each(["-1", "01", "1.5", "1e3", "", " 1", "9007199254740993"])("%j is INVALID_RETENTION", (raw) => {
    expectProtocolError(() => parseRetention(raw, undefined), "INVALID_RETENTION");
    expectProtocolError(() => parseRetention(undefined, raw), "INVALID_RETENTION");
  });
});

describe("retention settings", () => {
  test("compare setting by setting", () => {
    expect(retentionsEqual({}, {})).toBe(true);
    expect(retentionsEqual({ ms: 1 }, { ms: 1 })).toBe(true);
    expect(retentionsEqual({ ms: 1 }, {})).toBe(false);
    expect(retentionsEqual({ ms: 1, bytes: 2 }, { ms: 1, bytes: 3 })).toBe(false);
  });

  test("a stream's own setting wins over the server default, each on its own", () => {
    expect(effectiveRetention({}, {})).toEqual({});
    expect(effectiveRetention({}, { ms: 5 })).toEqual({ ms: 5 });
    expect(effectiveRetention({ bytes: 9 }, { ms: 5, bytes: 7 })).toEqual({ ms: 5, bytes: 9 });
  });
});

describe("patchRetention (JSON merge patch)", () => {
  test("a number sets, null removes, absent keeps", () => {
    expect(patchRetention({ ms: 1, bytes: 2 }, { retention_ms: 10 })).toEqual({ ms: 10, bytes: 2 });
    expect(patchRetention({ ms: 1, bytes: 2 }, { retention_bytes: null })).toEqual({ ms: 1 });
    expect(patchRetention({ ms: 1 }, {})).toEqual({ ms: 1 });
  });

  test("anything but an object is BAD_REQUEST, and so is an unknown key", () => {
    for (const patch of [null, [], "x", 3]) expectProtocolError(() => patchRetention({}, patch), "BAD_REQUEST");
    expectProtocolError(() => patchRetention({}, { retention: 5 }), "BAD_REQUEST");
  });

  test("a value that is not a non-negative integer or null is INVALID_RETENTION", () => {
    for (const value of [-1, 1.5, "5", true, {}, 2 ** 53]) {
      expectProtocolError(() => patchRetention({}, { retention_ms: value }), "INVALID_RETENTION");
    }
  });
});
