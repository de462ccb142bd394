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
  const match = RFC3339_PATTERN.exec(raw);
  const time = match ? Date.parse(raw) : Number.NaN;
  if (!match || Number.isNaN(time) || !calendarFieldsValid(match)) {
    throw new ProtocolError(
      "INVALID_EXPIRES_AT",
      `Stream-Expires-At must be an RFC 3339 timestamp: ${JSON.stringify(raw)}`,
    );
  }
  return time;
}

function calendarFieldsValid(match: RegExpExecArray): boolean {
  const [, , month, day, hour, minute, second] = match.map(Number);
  return month! >= 1 && month! <= 12 && day! >= 1 && day! <= 31 && hour! <= 23 && minute! <= 59 && second! <= 60;
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
