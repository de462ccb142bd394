import {
  formatOffset,
  MAX_POSITION,
  OFFSET_BEGINNING,
  OFFSET_DIGITS,
  OFFSET_NOW,
  parsePosition,
  parseReadOffset,
} from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

const position = fc.integer({ min: 0, max: MAX_POSITION });

describe("formatOffset / parsePosition", () => {
  test("formats a fixed-width generation_position token", () => {
    expect(formatOffset(0)).toBe("0000000000000000_0000000000000000");
    expect(formatOffset(42)).toBe("0000000000000000_0000000000000042");
    expect(formatOffset(MAX_POSITION)).toHaveLength(2 * OFFSET_DIGITS + 1);
    // The last answer is kept for runs of one position; any other position gets its own.
    expect([7, 7, 8, 7].map(formatOffset).map((offset) => offset.slice(-2))).toEqual(["07", "07", "08", "07"]);
  });

  test("property: parsePosition(formatOffset(p)) === p", () => {
    fc.assert(fc.property(position, (p) => parsePosition(formatOffset(p)) === p));
  });

  test("property: lexicographic order of offsets equals numeric order of positions (PROTOCOL §8)", () => {
    fc.assert(
      fc.property(position, position, (a, b) => {
        const x = formatOffset(a);
        const y = formatOffset(b);
        return Math.sign(a - b) === (x < y ? -1 : x > y ? 1 : 0);
      }),
    );
  });

  test("property: no minted offset is a sentinel or contains a reserved character", () => {
    fc.assert(
      fc.property(position, (p) => {
        const token = formatOffset(p);
        return token !== OFFSET_BEGINNING && token !== OFFSET_NOW && !/[,&=?/]/.test(token);
      }),
    );
  });

  test("rejects tokens that are not server-minted", () => {
    for (const token of [
      "",
      "-1",
      "now",
      "42",
      "0000000000000000_000000000000004", // short
      "0000000000000000_00000000000000042", // long
      "0000000000000001_0000000000000000", // generation other than 0
      "0000000000000000-0000000000000000",
      "0000000000000000_9999999999999999", // past 2^53 - 1
      " 0000000000000000_0000000000000000",
    ]) {
      expect(parsePosition(token), token).toBeUndefined();
    }
  });

  test("property: arbitrary strings never parse unless they are exactly a formatted offset", () => {
    fc.assert(
      fc.property(fc.string(), (token) => {
        const p = parsePosition(token);
        return p === undefined || formatOffset(p) === token;
      }),
    );
  });
});

describe("parseReadOffset", () => {
  test("absent and -1 mean the beginning (PROTOCOL §5.6, §8)", () => {
    expect(parseReadOffset(undefined)).toEqual({ kind: "beginning" });
    expect(parseReadOffset(null)).toEqual({ kind: "beginning" });
    expect(parseReadOffset("-1")).toEqual({ kind: "beginning" });
  });

  test("now is the tail sentinel", () => {
    expect(parseReadOffset("now")).toEqual({ kind: "now" });
  });

  test("a minted offset is a position", () => {
    expect(parseReadOffset(formatOffset(7))).toEqual({ kind: "position", position: 7 });
  });

  test.each(["", "NOW", "-2", "abc", "0000000000000000_x"])("malformed %j is INVALID_OFFSET", (raw) => {
    expect(expectProtocolError(() => parseReadOffset(raw), "INVALID_OFFSET").status).toBe(400);
  });
});
