/** Figures of several runs, and one figure against another. */
import type { Spread } from "../measure/stats.js";
import { DASH } from "./figures.js";

/** `median (min–max)` over the runs, or just the value for a single run. */
export function spreadOf(figure: Spread, format: (n: number) => string): string {
  if (figure.runs.length <= 1) return format(figure.median);
  return `${format(figure.median)} (${format(figure.min)}–${format(figure.max)})`;
}

/** A ratio: `2.50×`, `12×`. */
export function times(x: number): string {
  if (!Number.isFinite(x)) return DASH;
  return x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`;
}
