/** Number formatting for the report's tables. */
import { DASH } from "@rivulet/load";
import type { Spread } from "../core/types.js";

export { bytes, DASH, megabytesPerSecond, ms, percent } from "@rivulet/load";

export function count(n: number): string {
  if (!Number.isFinite(n)) return DASH;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(2)}k`;
  return Number.isInteger(n) || n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

export function perSecond(n: number): string {
  return Number.isFinite(n) ? `${count(n)}/s` : DASH;
}

/** `median (min–max)` over the runs, or just the value for a single run. */
export function spreadOf(figure: Spread, format: (n: number) => string): string {
  if (figure.runs.length <= 1) return format(figure.median);
  return `${format(figure.median)} (${format(figure.min)}–${format(figure.max)})`;
}

export function times(x: number): string {
  if (!Number.isFinite(x)) return DASH;
  return x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`;
}

export function verdictText(pass: boolean | null): string {
  if (pass === null) return "not measured";
  return pass ? "**PASS**" : "**MISS**";
}
