/** Human-friendly sizes and durations for flags: `1048576`, `64k`, `1MiB`, `30s`, `500ms`. */
import { InvalidArgumentError } from "commander";

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};
const TIME_UNITS: Record<string, number> = {
  "": 1,
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

function parseWithUnit(value: string, units: Record<string, number>, what: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = match ? units[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new InvalidArgumentError(`not a ${what}: ${JSON.stringify(value)}`);
  const result = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(result) || result <= 0) throw new InvalidArgumentError(`${what} out of range: ${value}`);
  return result;
}

/** Bytes; binary suffixes (k = 1024). */
export function parseSize(value: string): number {
  return parseWithUnit(value, SIZE_UNITS, "size (e.g. 1048576, 64k, 1MiB)");
}

/** Milliseconds; suffixes ms, s, m, h, d. */
export function parseDuration(value: string): number {
  return parseWithUnit(value, TIME_UNITS, "duration (e.g. 500ms, 30s, 1m, 7d)");
}

/** A whole number that may be 0 (a limit where 0 means "no limit"). */
export function parseLimit(value: string): number {
  const trimmed = value.trim();
  const count = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(count)) {
    throw new InvalidArgumentError(`not a whole number: ${JSON.stringify(value)}`);
  }
  return count;
}

/** Requests per second, possibly fractional (`0.5`); 0 turns the limit off. */
export function parseRate(value: string): number {
  const trimmed = value.trim();
  const rate = Number(trimmed);
  if (!/^\d+(?:\.\d+)?$/.test(trimmed) || !Number.isFinite(rate)) {
    throw new InvalidArgumentError(`not a rate in requests per second: ${JSON.stringify(value)}`);
  }
  return rate;
}
