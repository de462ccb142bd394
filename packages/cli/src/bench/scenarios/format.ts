/** How figures read in the bench tables. */
const GROUPED = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function count(value: number): string {
  return Number.isFinite(value) ? GROUPED.format(value) : "–";
}

export function perSecond(value: number): string {
  return Number.isFinite(value) ? `${GROUPED.format(value)}/s` : "–";
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value)} ms`;
}

export function megabytesPerSecond(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)} MB/s` : "–";
}

export function percent(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value)}%` : "–";
}

export function bytes(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} MB`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} KB`;
  return `${Math.round(value)} B`;
}

/**
 * A process's RSS growth per unit (stream, reader). Growth below zero means the server freed
 * more (garbage from earlier load) than the units took: no figure, said so.
 */
export function growthPer(value: number): string {
  return value < 0 ? "RSS fell" : bytes(value);
}
