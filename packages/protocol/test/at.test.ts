import { parseAt } from "@rivulet/protocol";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

describe("parseAt (point-in-time lookups)", () => {
  test("ms since the epoch", () => {
    expect(parseAt("0")).toBe(0);
    expect(parseAt("1764493200000")).toBe(1_764_493_200_000);
  });

  test("RFC 3339, with an offset or Z, with or without a fraction", () => {
    expect(parseAt("2026-11-30T09:00:00Z")).toBe(Date.UTC(2026, 10, 30, 9));
    expect(parseAt("2026-11-30T10:00:00.250+01:00")).toBe(Date.UTC(2026, 10, 30, 9, 0, 0, 250));
  });

  test.each(["", "-5", "01", "1.5", "yesterday", "2026-11-30", "2026-02-30T00:00:00Z", "9007199254740993"])(
    "%j is INVALID_AT",
    (raw) => {
      expectProtocolError(() => parseAt(raw), "INVALID_AT");
    },
  );
});
