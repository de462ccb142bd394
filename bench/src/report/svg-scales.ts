/** Logarithmic axes for the latency chart. */

export interface Axis {
  /** Maps a value to a pixel position. */
  at(value: number): number;
  readonly ticks: ReadonlyArray<{ value: number; label: string }>;
}

/** Latency axis: log10 over whole decades covering [min, max], drawn from `from` to `to` pixels. */
export function logAxis(min: number, max: number, from: number, to: number, label: (v: number) => string): Axis {
  const low = Math.floor(Math.log10(Math.max(min, 1e-3)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(max, 1e-3))));
  const at = (value: number) => from + ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * (to - from);
  const ticks = [];
  for (let exponent = low; exponent <= high; exponent++)
    ticks.push({ value: 10 ** exponent, label: label(10 ** exponent) });
  return { at, ticks };
}

/** Percentile axis in "nines": 0, 90, 99, 99.9, 99.99 are evenly spaced. */
export function ninesAxis(maxNines: number, from: number, to: number): Axis {
  const nines = (percentile: number) =>
    Math.min(maxNines, -Math.log10(Math.max(1 - percentile / 100, 10 ** -maxNines)));
  const at = (percentile: number) => from + (nines(percentile) / maxNines) * (to - from);
  const ticks = [{ value: 0, label: "p0" }];
  for (let n = 1; n <= maxNines; n++) {
    const value = 100 - 100 / 10 ** n;
    ticks.push({ value, label: `p${Number(value.toFixed(n))}` });
  }
  return { at, ticks };
}
