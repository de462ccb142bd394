/**
 * Checking option values where they are given: a value that cannot work fails at once as
 * INVALID_ARGUMENT naming the option, instead of later as a retried request failure, a
 * timer that fires at once, or a loop that never ends.
 */
import { InvalidArgumentError } from "./errors.js";

export interface NumberRule {
  readonly holds: (value: number) => boolean;
  readonly expected: string;
}

/** setTimeout fires at once for anything longer, so no wait may exceed it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A limit that is no limit (a time or a count). */
export const UNLIMITED = Number.POSITIVE_INFINITY;

const MS_ABOVE_0 = `a number of milliseconds above 0 and at most ${MAX_TIMER_MS}`;
const OR_INFINITY = ", or Infinity";

const within = (value: number, min: number, max: number) => value >= min && value <= max;

export const Rule = {
  /** A wait handed to a timer. */
  delayMs: {
    holds: (v) => v > 0 && v <= MAX_TIMER_MS,
    expected: MS_ABOVE_0,
  },
  /** A time limit; Infinity means none. */
  limitMs: {
    holds: (v) => v === UNLIMITED || (v > 0 && v <= MAX_TIMER_MS),
    expected: MS_ABOVE_0 + OR_INFINITY,
  },
  /** A wait that may be zero (at once) or Infinity (never by time). */
  waitMs: {
    holds: (v) => v === UNLIMITED || within(v, 0, MAX_TIMER_MS),
    expected: `a number of milliseconds from 0 to ${MAX_TIMER_MS}${OR_INFINITY}`,
  },
  nonNegative: { holds: (v) => Number.isFinite(v) && v >= 0, expected: "a finite number of 0 or more" },
  atLeastOne: { holds: (v) => Number.isFinite(v) && v >= 1, expected: "a finite number of 1 or more" },
  fraction: { holds: (v) => within(v, 0, 1), expected: "a number from 0 to 1" },
  positiveInteger: { holds: (v) => Number.isSafeInteger(v) && v >= 1, expected: "a whole number of 1 or more" },
  nonNegativeInteger: { holds: (v) => Number.isSafeInteger(v) && v >= 0, expected: "a whole number of 0 or more" },
  positiveCountOrInfinity: {
    holds: (v) => v === UNLIMITED || (Number.isSafeInteger(v) && v >= 1),
    expected: `a whole number of 1 or more${OR_INFINITY}`,
  },
  countOrInfinity: {
    holds: (v) => v === UNLIMITED || (Number.isSafeInteger(v) && v >= 0),
    expected: `a whole number of 0 or more${OR_INFINITY}`,
  },
} as const satisfies Record<string, NumberRule>;

export function invalidArgument(url: string, option: string, problem: string, value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(option, `Invalid ${option}: ${problem}, got ${describe(value)}`, { url });
}

/** Undefined means "use the default" (unless `required`); anything else must be a number the rule accepts. */
export function checkNumber(url: string, option: string, value: unknown, rule: NumberRule, required = false): void {
  if (value === undefined && !required) return;
  if (typeof value !== "number" || !rule.holds(value))
    throw invalidArgument(url, option, `must be ${rule.expected}`, value);
}

export function checkOneOf<T>(url: string, option: string, value: unknown, allowed: readonly T[]): void {
  if (value === undefined || allowed.includes(value as T)) return;
  throw invalidArgument(url, option, `must be one of ${allowed.map(describe).join(", ")}`, value);
}

export function checkFunction(url: string, option: string, value: unknown, required = false): void {
  if (value === undefined && !required) return;
  if (typeof value !== "function") throw invalidArgument(url, option, "must be a function", value);
}

/**
 * A stream URL: absolute http(s), or — where the runtime has a page location (browsers) —
 * relative to it. Checked up front because fetch reports a bad URL like a network failure,
 * which would be retried.
 */
export function streamUrl(raw: unknown): string {
  const text = raw instanceof URL ? raw.href : String(raw);
  const base = (globalThis as { location?: { href?: unknown } }).location?.href;
  const absolute = parseUrl(text);
  const parsed = absolute ?? (typeof base === "string" ? parseUrl(text, base) : undefined);
  if (!parsed) throw invalidArgument(text, "url", "must be an absolute http: or https: URL", raw);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalidArgument(text, "url", "must be an http: or https: URL", raw);
  }
  // The caller's spelling is kept when it needed no resolving.
  return absolute ? text : parsed.href;
}

function parseUrl(text: string, base?: string): URL | undefined {
  try {
    return new URL(text, base);
  } catch {
    return undefined;
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (value !== null && typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  return String(value);
}

/** The entries of `value` that are not undefined, to spread over defaults. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
