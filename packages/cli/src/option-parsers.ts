/** Parsers for flag values; each throws commander's InvalidArgumentError, printed as a usage error. */
import { InvalidArgumentError } from "commander";

const TTL_UNITS: Record<string, number> = { "": 1, s: 1, m: 60, min: 60, h: 3600, d: 86_400 };

/** A TTL in whole seconds: `3600`, `90s`, `15m`, `1h`, `7d`. */
export function parseTtl(value: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = match ? TTL_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new InvalidArgumentError(`not a TTL (e.g. 3600, 90s, 15m, 1h, 7d): ${value}`);
  const seconds = Number(match[1]) * unit;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new InvalidArgumentError(`TTL out of range: ${value}`);
  return seconds;
}

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`not a whole number: ${value}`);
  const count = Number(value);
  if (!Number.isSafeInteger(count)) throw new InvalidArgumentError(`out of range: ${value}`);
  return count;
}

export function parsePositiveCount(value: string): number {
  const count = parseCount(value);
  if (count === 0) throw new InvalidArgumentError("must be at least 1");
  return count;
}

/** `Name: value`, collected over repeated flags. */
export function collectHeader(value: string, previous: [string, string][] | undefined): [string, string][] {
  const colon = value.indexOf(":");
  const name = colon === -1 ? "" : value.slice(0, colon).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new InvalidArgumentError(`expected "Name: value", got ${JSON.stringify(value)}`);
  }
  return [...(previous ?? []), [name, value.slice(colon + 1).trim()]];
}
