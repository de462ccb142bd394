/**
 * How measured figures read, in `rivulet bench`'s tables and in the suite's report alike:
 * latencies, sizes, throughput, shares. Counts and rates are in ./counts.ts.
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

/** An average of counts, e.g. appends per wake: `1.25`, `12.5`, `125`. */
export function average(n: number): string {
  if (!Number.isFinite(n)) return DASH;
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0);
}

export function percent(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(0)}%` : DASH;
}

/**
 * A process's RSS growth per unit (stream, reader). Growth below zero means the server freed
 * more (garbage from earlier load) than the units took: no figure, said so.
 */
export function growthPer(value: number): string {
  return value < 0 ? "RSS fell" : bytes(value);
}
