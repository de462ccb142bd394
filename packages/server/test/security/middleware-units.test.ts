/**
 * The pure parts of the security middleware, tested directly: token buckets, client keys,
 * grant patterns, the JSON message scan (against a reference built with JSON.stringify) and
 * live-slot bookkeeping.
 */
import { ProtocolError } from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { grantsFromClaim, parseGrant } from "../../src/http/middleware/auth/scopes.js";
import { clientKey } from "../../src/http/middleware/client-address.js";
import { firstOversizedMessage } from "../../src/http/middleware/json-message-size.js";
import { LiveSlots } from "../../src/http/middleware/live-slots.js";
import { RateLimiter } from "../../src/http/middleware/rate-limit.js";

function refusal(run: () => void): ProtocolError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
}

describe("RateLimiter", () => {
  test("allows a burst, refills at the rate, and says when to retry", () => {
    let now = 0;
    const limiter = new RateLimiter(2, 4, "client", () => now);
    for (let i = 0; i < 4; i++) expect(refusal(() => limiter.take("a"))).toBeUndefined();
    const refused = refusal(() => limiter.take("a"));
    expect(refused?.code).toBe("RATE_LIMITED");
    expect(refused?.status).toBe(429);
    expect(refused?.headers["retry-after"]).toBe("1");
    now += 500; // one token at 2 per second
    expect(refusal(() => limiter.take("a"))).toBeUndefined();
    expect(refusal(() => limiter.take("a"))?.code).toBe("RATE_LIMITED");
    now += 10_000; // never more than the burst
    for (let i = 0; i < 4; i++) expect(refusal(() => limiter.take("a"))).toBeUndefined();
    expect(refusal(() => limiter.take("a"))).toBeDefined();
  });

  test("Retry-After rounds up to whole seconds at slow rates", () => {
    const limiter = new RateLimiter(0.1, 1, "token", () => 0);
    limiter.take("t");
    expect(refusal(() => limiter.take("t"))?.headers["retry-after"]).toBe("10");
  });

  test("keys are independent; refilled buckets are swept; the map is bounded", () => {
    let now = 0;
    const limiter = new RateLimiter(1, 1, "client", () => now, 3);
    limiter.take("a");
    expect(refusal(() => limiter.take("b"))).toBeUndefined();
    limiter.take("c");
    limiter.take("d"); // past maxKeys: "a", the oldest, is dropped
    expect(limiter.size).toBe(3);
    expect(refusal(() => limiter.take("a"))).toBeUndefined();
    now += 61_000;
    limiter.take("e"); // a new key after a minute sweeps every refilled bucket
    expect(limiter.size).toBe(1);
  });
});

describe("clientKey", () => {
  test.each([
    ["203.0.113.9", "203.0.113.9"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002:ffff::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["not:an::address::at-all", "not:an::address::at-all"],
    ["x".repeat(100), "x".repeat(64)],
  ])("%s → %s", (address, key) => {
    expect(clientKey(address)).toBe(key);
  });

  test("two addresses in one /64 are one client; in different /64s, two", () => {
    expect(clientKey("2001:db8:a:b::1")).toBe(clientKey("2001:db8:a:b:ffff:ffff:ffff:ffff"));
    expect(clientKey("2001:db8:a:b::1")).not.toBe(clientKey("2001:db8:a:c::1"));
  });
});

describe("grants", () => {
  const covers = (grant: string, path: string) => parseGrant(grant)?.covers(path);

  test.each([
    ["read", "/anything/at/all", true],
    ["read:/**", "/v1/stream/x", true],
    ["read:/v1/stream/public/**", "/v1/stream/public/a", true],
    ["read:/v1/stream/public/**", "/v1/stream/public/a/b/c", true],
    ["read:/v1/stream/public/**", "/v1/stream/public", false],
    ["read:/v1/stream/public/**", "/v1/stream/publicity", false],
    ["read:/v1/stream/t/*", "/v1/stream/t/a", true],
    ["read:/v1/stream/t/*", "/v1/stream/t/a/b", false],
    ["read:/v1/stream/t/*/log", "/v1/stream/t/x/log", true],
    ["read:/v1/stream/t/*/log", "/v1/stream/t/x/y/log", false],
    ["read:/v1/stream/**/log", "/v1/stream/a/b/log", true],
    ["read:/v1/stream/exact", "/v1/stream/exact", true],
    ["read:/v1/stream/exact", "/v1/stream/exact2", false],
    ["read:/v1/stream/a.b", "/v1/stream/aXb", false],
    ["read:/v1/stream/(x)+", "/v1/stream/(x)+", true],
  ])("%s on %s → %s", (grant, path, expected) => {
    expect(covers(grant, path)).toBe(expected);
  });

  test("malformed grants are rejected", () => {
    for (const bad of ["", "reed", "read:", "read:relative/path", "READ", "write:*"]) {
      expect(parseGrant(bad), bad).toBeUndefined();
    }
  });

  test("claims: a string is split on spaces, an array taken as is, anything else grants nothing", () => {
    expect(grantsFromClaim("read write:/a/**").map((g) => g.scope)).toEqual(["read", "write"]);
    expect(grantsFromClaim(["admin", 7, null, "nope"]).map((g) => g.scope)).toEqual(["admin"]);
    expect(grantsFromClaim({ read: true })).toEqual([]);
    expect(grantsFromClaim(undefined)).toEqual([]);
  });
});

describe("firstOversizedMessage", () => {
  const encode = (text: string) => new TextEncoder().encode(text);

  test("matches a reference computed from the serialised messages", () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 200 }),
        (values, max) => {
          const texts = values.map((value) => JSON.stringify(value) ?? "null");
          const body = encode(`[${texts.join(",")}]`);
          const expected = texts.findIndex((text) => encode(text).length > max);
          expect(firstOversizedMessage(body, max)).toBe(expected === -1 ? undefined : expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  test("a body that is not an array is one message", () => {
    expect(firstOversizedMessage(encode(' {"a":"xxxxxxxxxx"} '), 10)).toBe(0);
    expect(firstOversizedMessage(encode('"short"'), 10)).toBeUndefined();
  });

  test("brackets, braces and commas inside strings do not split messages", () => {
    const body = encode(`[${JSON.stringify('],[,{\\"')},1]`);
    expect(firstOversizedMessage(body, 5)).toBe(0);
    expect(firstOversizedMessage(body, 50)).toBeUndefined();
  });

  test("malformed JSON ends the scan without throwing", () => {
    for (const text of ["[", "[1,", "[[[[", '["unterminated', "]]]", "[}"]) {
      expect(() => firstOversizedMessage(encode(text), 1)).not.toThrow();
    }
  });
});

describe("LiveSlots", () => {
  test("counts per client and in total; release is idempotent", () => {
    const slots = new LiveSlots(3, 2);
    const a1 = slots.acquire("a");
    slots.acquire("a");
    expect(refusal(() => slots.acquire("a"))?.code).toBe("TOO_MANY_CONNECTIONS");
    const b1 = slots.acquire("b");
    expect(refusal(() => slots.acquire("c"))?.status).toBe(503);
    a1();
    a1();
    expect(slots.open).toBe(2);
    slots.acquire(undefined);
    b1();
    expect(slots.open).toBe(2);
  });

  test("zero means no limit", () => {
    const slots = new LiveSlots(0, 0);
    for (let i = 0; i < 1000; i++) slots.acquire("same");
    expect(slots.open).toBe(1000);
  });
});
