/** Glob patterns over stream paths (PROTOCOL §6.2): `*` one segment, `**` zero or more. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compileGlob } from "../../src/features/subscriptions/glob.js";

const LIMITS = { maxLength: 256, maxSegments: 32, maxWildcards: 8 };
const glob = (pattern: string) => compileGlob(pattern, LIMITS);

describe("matching", () => {
  test.each([
    ["events/*", "events/a", true],
    ["events/*", "events/a/b", false],
    ["events/*", "events", false],
    ["events/**", "events", true],
    ["events/**", "events/a/b/c", true],
    ["events/**", "eventsx/a", false],
    ["**", "a/b/c", true],
    ["**/x", "x", true],
    ["**/x", "a/b/x", true],
    ["**/x", "a/b/y", false],
    ["a/**/z", "a/z", true],
    ["a/**/z", "a/b/c/z", true],
    ["a/**/z", "a/b/c/y", false],
    ["a/*/c", "a/b/c", true],
    ["a/*/c", "a/b/d/c", false],
    ["orders-*", "orders-2024", true],
    ["orders-*", "orders-", true],
    ["orders-*", "invoices-1", false],
    ["*.log", "app.log", true],
    ["a.b", "aXb", false],
    ["a+(b)", "a+(b)", true],
    ["tenant/*/events/**", "tenant/x/events", true],
    ["tenant/*/events/**", "tenant/x/events/1/2", true],
    ["tenant/*/events/**", "tenant/x/other/1", false],
  ])("%s against %s is %s", (pattern, path, expected) => {
    expect(glob(pattern).matches(path)).toBe(expected);
  });

  test("a pattern without wildcards matches exactly itself", () => {
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);
    const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join("/"));
    fc.assert(
      fc.property(path, path, (pattern, other) => {
        expect(glob(pattern).matches(pattern)).toBe(true);
        expect(glob(pattern).matches(other)).toBe(pattern === other);
      }),
    );
  });

  test("`**` matches every path under its literal prefix, `*` exactly one more segment", () => {
    const segment = fc.stringMatching(/^[a-z0-9]{1,4}$/);
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        fc.array(segment, { maxLength: 4 }),
        (prefix, rest) => {
          const base = prefix.join("/");
          const path = [...prefix, ...rest].join("/");
          expect(glob(`${base}/**`).matches(path)).toBe(true);
          expect(glob(`${base}/*`).matches(path)).toBe(rest.length === 1);
        },
      ),
    );
  });
});

describe("literal prefix (listing existing streams by prefix)", () => {
  test.each([
    ["events/*", "events"],
    ["a/b/**", "a/b"],
    ["**", ""],
    ["a/b-*/c", "a"],
    ["plain/path", "plain/path"],
  ])("%s starts with %s", (pattern, prefix) => {
    expect(glob(pattern).literalPrefix).toBe(prefix);
  });
});

describe("invalid and too complex patterns", () => {
  test.each(["", "/events/*", "events/", "a//b", "a/./b", "a/../b", "a/b**", "***", "__ds/*", "a\\b", "a\nb"])(
    "%j is INVALID_SUBSCRIPTION",
    (pattern) => {
      expect(() => glob(pattern)).toThrow(expect.objectContaining({ code: "INVALID_SUBSCRIPTION" }));
    },
  );

  test.each([
    ["x".repeat(257), "longer than 256"],
    [Array.from({ length: 33 }, () => "a").join("/"), "more than 32 segments"],
    ["*/*/*/*/*/*/*/*/*", "more than 8 wildcards"],
    ["a-*-*-*-*-*-*-*-*-*", "more than 8 wildcards"],
    ["**/a/**/b/**", "more than 2 '**'"],
  ])("%s is PATTERN_TOO_COMPLEX (%s)", (pattern, message) => {
    expect(() => glob(pattern)).toThrow(
      expect.objectContaining({ code: "PATTERN_TOO_COMPLEX", message: expect.stringContaining(message) }),
    );
  });

  test("matching a deep path against the most complex allowed pattern stays cheap", () => {
    const pattern = glob("**/a*b*c/**");
    const path = Array.from({ length: 200 }, () => "abx").join("/");
    expect(pattern.matches(path)).toBe(false);
    expect(pattern.matches(`${path}/aXbYc/z`)).toBe(true);
  });
});
