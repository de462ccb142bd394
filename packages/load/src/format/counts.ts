/**
 * Counts and rates, two ways: in full digits where a terminal has room (1,000 readers,
 * 16,100/s), and short (1.00k, 16.1k/s) for the suite's wide markdown tables.
 */
import { DASH } from "./figures.js";

const GROUPED = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function count(value: number): string {
  return Number.isFinite(value) ? GROUPED.format(value) : DASH;
}

export function perSecond(value: number): string {
  return Number.isFinite(value) ? `${GROUPED.format(value)}/s` : DASH;
}

export function shortCount(n: number): string {
  if (!Number.isFinite(n)) return DASH;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(2)}k`;
  return Number.isInteger(n) || n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

export function shortPerSecond(n: number): string {
  return Number.isFinite(n) ? `${shortCount(n)}/s` : DASH;
}
