/**
 * Stream lifetime (PROTOCOL §5.1 Stream-TTL / Stream-Expires-At, §4.2 fork table).
 * Times are milliseconds since the Unix epoch; TTLs are whole seconds.
 */
import { ProtocolError } from "./errors.js";

export interface Lifetime {
  /** Sliding window in seconds: the stream expires this long after its last read or write. */
  ttlSeconds?: number;
  /** Absolute expiry, ms since the epoch. */
  expiresAt?: number;
}

// §5.1: decimal, no sign, no leading zeros, no decimal point or exponent.
const TTL_PATTERN = /^(0|[1-9]\d*)$/;
// RFC 3339 date-time: full date, T, time with optional fraction, and a zone (Z or ±hh:mm).
const RFC3339_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseTtl(raw: string): number {
  if (!TTL_PATTERN.test(raw)) {
    throw new ProtocolError("INVALID_TTL", `Stream-TTL must be a non-negative integer: ${JSON.stringify(raw)}`);
  }
  const seconds = Number(raw);
  if (!Number.isSafeInteger(seconds)) {
    throw new ProtocolError("INVALID_TTL", "Stream-TTL is too large");
  }
  return seconds;
}

export function parseExpiresAt(raw: string): number {
  const time = parseRfc3339(raw);
  if (time === undefined) {
    throw new ProtocolError(
      "INVALID_EXPIRES_AT",
      `Stream-Expires-At must be an RFC 3339 timestamp: ${JSON.stringify(raw)}`,
    );
  }
  return time;
}

/** An RFC 3339 date-time as ms since the epoch; undefined when `raw` is not one. */
export function parseRfc3339(raw: string): number | undefined {
  const match = RFC3339_PATTERN.exec(raw);
  const time = match && calendarFieldsValid(match) ? parseInstant(raw, match) : Number.NaN;
  return Number.isNaN(time) ? undefined : time;
}

/**
 * Date.parse rejects a leap second (`:60`, which RFC 3339 §5.7 allows), so it is read as
 * second 59 plus one second, the instant POSIX time gives it.
 */
function parseInstant(raw: string, match: RegExpExecArray): number {
  if (match[6] !== "60") return Date.parse(raw);
  const at = match.index + "yyyy-mm-ddThh:mm:".length;
  return Date.parse(`${raw.slice(0, at)}59${raw.slice(at + 2)}`) + 1000;
}

function calendarFieldsValid(match: RegExpExecArray): boolean {
  const [, year, month, day, hour, minute, second] = match.map(Number);
  return (
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    // Date.parse would roll 2025-02-30 over into March instead of rejecting it.
    day! <= daysInMonth(year!, month!) &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 60
  );
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Parses both lifetime headers; §5.1 says supplying both SHOULD be rejected, and we do. */
export function parseLifetime(ttl: string | undefined, expiresAt: string | undefined): Lifetime {
  if (ttl !== undefined && expiresAt !== undefined) {
    throw new ProtocolError("TTL_AND_EXPIRES_AT", "Stream-TTL and Stream-Expires-At cannot both be set");
  }
  if (ttl !== undefined) return { ttlSeconds: parseTtl(ttl) };
  if (expiresAt !== undefined) return { expiresAt: parseExpiresAt(expiresAt) };
  return {};
}

/** §4.2 table: a fork with no lifetime of its own inherits its source's; otherwise its own wins. */
export function forkLifetime(source: Lifetime, requested: Lifetime): Lifetime {
  if (requested.ttlSeconds !== undefined || requested.expiresAt !== undefined) return requested;
  if (source.ttlSeconds !== undefined) return { ttlSeconds: source.ttlSeconds };
  if (source.expiresAt !== undefined) return { expiresAt: source.expiresAt };
  return {};
}

export function lifetimesEqual(a: Lifetime, b: Lifetime): boolean {
  return a.ttlSeconds === b.ttlSeconds && a.expiresAt === b.expiresAt;
}

/** When the stream expires, given its last access; undefined when it never does. */
export function expiryTime(lifetime: Lifetime, lastAccess: number): number | undefined {
  const sliding = lifetime.ttlSeconds === undefined ? undefined : lastAccess + lifetime.ttlSeconds * 1000;
  if (sliding === undefined) return lifetime.expiresAt;
  if (lifetime.expiresAt === undefined) return sliding;
  return Math.min(sliding, lifetime.expiresAt);
}

export function isExpired(lifetime: Lifetime, lastAccess: number, now: number): boolean {
  const at = expiryTime(lifetime, lastAccess);
  return at !== undefined && now >= at;
}
