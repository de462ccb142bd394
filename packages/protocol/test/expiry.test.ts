import {
  expiryTime,
  forkLifetime,
  isExpired,
  type Lifetime,
  lifetimesEqual,
  parseExpiresAt,
  parseLifetime,
  parseTtl,
} from "@rivulet/protocol";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

describe("parseTtl (PROTOCOL §5.1 Stream-TTL)", () => {
  test.each([
    ["0", 0],
    ["1", 1],
    ["3600", 3600],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])("accepts %j", (raw, seconds) => {
    expect(parseTtl(raw)).toBe(seconds);
  });

  // The spec's own invalid examples, then other near misses.
  test.each(["+3600", "03600", "3600.0", "3.6e3", "-1", "", " 1", "1 ", "0x10", "1_000", "abc", "9007199254740992"])(
    "rejects %j as INVALID_TTL",
    (raw) => {
      expect(expectProtocolError(() => parseTtl(raw), "INVALID_TTL").status).toBe(400);
    },
  );

  test("property: every non-negative safe integer in plain decimal round-trips", () => {
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => parseTtl(String(n)) === n));
  });

  test("property: anything that is not plain decimal is rejected", () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        fc.pre(!/^(0|[1-9]\d*)$/.test(raw));
        expectProtocolError(() => parseTtl(raw), "INVALID_TTL");
      }),
    );
  });
});

describe("parseExpiresAt (PROTOCOL §5.1 Stream-Expires-At, RFC 3339)", () => {
  test.each([
    ["2025-01-01T00:00:00Z", Date.UTC(2025, 0, 1)],
    ["2025-01-01T00:00:00.250Z", Date.UTC(2025, 0, 1, 0, 0, 0, 250)],
    ["2025-01-01T00:00:00.123456789Z", Date.UTC(2025, 0, 1, 0, 0, 0, 123)],
    ["2025-01-01T05:30:00+05:30", Date.UTC(2025, 0, 1)],
    ["2024-12-31T19:00:00-05:00", Date.UTC(2025, 0, 1)],
    ["2025-01-01t00:00:00z", Date.UTC(2025, 0, 1)],
    ["2024-02-29T12:00:00Z", Date.UTC(2024, 1, 29, 12)],
    ["2000-02-29T00:00:00Z", Date.UTC(2000, 1, 29)],
    ["2016-12-31T23:59:60Z", Date.UTC(2017, 0, 1)],
  ])("accepts %j", (raw, time) => {
    expect(parseExpiresAt(raw)).toBe(time);
  });

  test.each([
    "tomorrow",
    "2025-01-01",
    "2025-01-01T00:00:00",
    "2025-01-01T00:00Z",
    "2025-01-01 00:00:00Z",
    "2025-1-01T00:00:00Z",
    "2025-13-01T00:00:00Z",
    "2025-00-10T00:00:00Z",
    "2025-01-32T00:00:00Z",
    "2025-02-29T00:00:00Z",
    "2025-02-30T00:00:00Z",
    "2025-04-31T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2025-01-01T24:00:00Z",
    "2025-01-01T00:60:00Z",
    "2025-01-01T00:00:61Z",
    "2025-01-01T00:00:00+24:00",
    "2025-01-01T00:00:00+0500",
    "1735689600",
    "",
  ])("rejects %j as INVALID_EXPIRES_AT", (raw) => {
    expect(expectProtocolError(() => parseExpiresAt(raw), "INVALID_EXPIRES_AT").status).toBe(400);
  });

  const instant = fc.date({
    min: new Date("1970-01-01T00:00:00Z"),
    max: new Date("9999-12-31T00:00:00Z"),
    noInvalidDate: true,
  });

  test("property: toISOString output parses to the same instant", () => {
    fc.assert(fc.property(instant, (d) => parseExpiresAt(d.toISOString()) === d.getTime()));
  });

  test("property: the same instant written with any numeric zone offset parses to the same time", () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (d, offsetMinutes) => {
        const local = new Date(d.getTime() + offsetMinutes * 60_000);
        fc.pre(local.getUTCFullYear() >= 1970 && local.getUTCFullYear() <= 9999);
        const abs = Math.abs(offsetMinutes);
        const zone = `${offsetMinutes < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
        const text = `${local.toISOString().slice(0, -1)}${zone}`;
        expect(parseExpiresAt(text)).toBe(d.getTime());
      }),
    );
  });
});

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

describe("parseLifetime", () => {
  test("no headers: no expiry", () => {
    expect(parseLifetime(undefined, undefined)).toEqual({});
  });

  test("one header or the other", () => {
    expect(parseLifetime("60", undefined)).toEqual({ ttlSeconds: 60 });
    expect(parseLifetime(undefined, "2025-01-01T00:00:00Z")).toEqual({ expiresAt: Date.UTC(2025, 0, 1) });
  });

  test("both headers is TTL_AND_EXPIRES_AT, even when each is valid", () => {
    expectProtocolError(() => parseLifetime("60", "2025-01-01T00:00:00Z"), "TTL_AND_EXPIRES_AT");
  });

  test("an invalid value is reported by its own code", () => {
    expectProtocolError(() => parseLifetime("x", undefined), "INVALID_TTL");
    expectProtocolError(() => parseLifetime(undefined, "x"), "INVALID_EXPIRES_AT");
  });
});

describe("forkLifetime (PROTOCOL §4.2 table)", () => {
  const none: Lifetime = {};
  const ttl = (s: number): Lifetime => ({ ttlSeconds: s });
  const at = (ms: number): Lifetime => ({ expiresAt: ms });

  test.each<[string, Lifetime, Lifetime, Lifetime]>([
    ["no expiry / no expiry", none, none, none],
    ["no expiry / TTL", none, ttl(5), ttl(5)],
    ["no expiry / Expires-At", none, at(9), at(9)],
    ["TTL / no expiry inherits the TTL", ttl(7), none, ttl(7)],
    ["TTL / TTL", ttl(7), ttl(5), ttl(5)],
    ["TTL / Expires-At", ttl(7), at(9), at(9)],
    ["Expires-At / no expiry inherits the deadline", at(3), none, at(3)],
    ["Expires-At / TTL", at(3), ttl(5), ttl(5)],
    ["Expires-At / later Expires-At (fork outlives parent)", at(3), at(9), at(9)],
  ])("%s", (_, source, requested, expected) => {
    expect(forkLifetime(source, requested)).toEqual(expected);
  });
});

describe("lifetimesEqual, expiryTime, isExpired", () => {
  test("lifetimesEqual compares both fields", () => {
    expect(lifetimesEqual({}, {})).toBe(true);
    expect(lifetimesEqual({ ttlSeconds: 1 }, { ttlSeconds: 1 })).toBe(true);
    expect(lifetimesEqual({ ttlSeconds: 1 }, { ttlSeconds: 2 })).toBe(false);
    expect(lifetimesEqual({ ttlSeconds: 1 }, { expiresAt: 1 })).toBe(false);
    expect(lifetimesEqual({ expiresAt: 5 }, {})).toBe(false);
  });

  test("a sliding TTL expires that long after the last access", () => {
    expect(expiryTime({ ttlSeconds: 10 }, 1_000)).toBe(11_000);
    expect(isExpired({ ttlSeconds: 10 }, 1_000, 10_999)).toBe(false);
    expect(isExpired({ ttlSeconds: 10 }, 1_000, 11_000)).toBe(true);
  });

  test("an absolute expiry ignores access", () => {
    expect(expiryTime({ expiresAt: 5_000 }, 1_000_000)).toBe(5_000);
    expect(isExpired({ expiresAt: 5_000 }, 4_000, 4_999)).toBe(false);
    expect(isExpired({ expiresAt: 5_000 }, 4_000, 5_000)).toBe(true);
  });

  test("both set: whichever comes first", () => {
    expect(expiryTime({ ttlSeconds: 10, expiresAt: 5_000 }, 0)).toBe(5_000);
    expect(expiryTime({ ttlSeconds: 1, expiresAt: 5_000 }, 0)).toBe(1_000);
  });

  test("no lifetime never expires", () => {
    expect(expiryTime({}, 0)).toBeUndefined();
    expect(isExpired({}, 0, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  test("property: isExpired is monotonic in time", () => {
    fc.assert(
      fc.property(
        fc.record({ ttlSeconds: fc.option(fc.nat(1000), { nil: undefined }) }),
        fc.nat(1_000_000),
        fc.nat(2_000_000),
        fc.nat(2_000_000),
        ({ ttlSeconds }, last, t1, t2) => {
          const lifetime: Lifetime = ttlSeconds === undefined ? {} : { ttlSeconds };
          const [early, late] = t1 <= t2 ? [t1, t2] : [t2, t1];
          if (isExpired(lifetime, last, early)) expect(isExpired(lifetime, last, late)).toBe(true);
        },
      ),
    );
  });
});
