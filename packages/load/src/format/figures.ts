/**
 * How measured figures read in tables, shared by `rivulet bench` and the suite's report.
 * Counts and rates are not here: a terminal shows them in full digits, the suite's wide
 * markdown tables in k/M.
 */
export const DASH = "–";

export function ms(n: number): string {
  if (!Number.isFinite(n)) return DASH;
  if (n < 10) return `${n.toFixed(2)} ms`;
  if (n < 100) return `${n.toFixed(1)} ms`;
  if (n < 10_000) return `${n.toFixed(0)} ms`;
  return `${(n / 1000).toFixed(1)} s`;
}

export function megabytesPerSecond(n: number): string {
  return Number.isFinite(n) ? `${n >= 100 ? n.toFixed(0) : n.toFixed(1)} MB/s` : DASH;
}

export function bytes(n: number): string {
  if (!Number.isFinite(n)) return DASH;
  if (Math.abs(n) >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)} KB`;
  return `${n.toFixed(0)} B`;
}

export function percent(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(0)}%` : DASH;
}
