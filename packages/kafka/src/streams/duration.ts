/**
 * Durations as the seed writes them — `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"1d"` — or a number
 * of milliseconds. A duration that cannot be read is INVALID_ARGUMENT naming the option.
 */
import { invalid } from "../options.js";

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export type Duration = string | number;

export function durationMs(name: string, value: Duration, min = 1): number {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= min) return value;
    throw invalid(name, `must be a whole number of ms ≥ ${min}, got ${value}`);
  }
  const match = typeof value === "string" ? /^(\d+)(ms|s|m|h|d)$/.exec(value.trim()) : null;
  if (match === null)
    throw invalid(name, `must be a duration such as "30s", "5m" or "1h", got ${JSON.stringify(value)}`);
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  if (ms < min) throw invalid(name, `must be at least ${min} ms, got ${JSON.stringify(value)}`);
  return ms;
}
