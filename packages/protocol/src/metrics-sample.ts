/**
 * One sample of `GET {base}/__ds/metrics` (docs/dashboard.md): rates and quantiles over one
 * interval, as the server computes them and the dashboard charts them. An extension's wire
 * shape, so it lives here, once, for both sides.
 */
export interface MetricsSample {
  /** Increases by one per sample; pages ask for samples after the last one they have. */
  readonly seq: number;
  /** ms since the epoch at the end of the interval. */
  readonly at: number;
  readonly appendsPerSecond: number;
  readonly bytesPerSecond: number;
  readonly readsPerSecond: number;
  readonly serverErrorsPerSecond: number;
  readonly clientErrorsPerSecond: number;
  readonly liveConnections: number;
  readonly commitsPerSecond: number;
  /** Commit time quantiles over the interval in ms; null when nothing was committed. */
  readonly commitP50Ms: number | null;
  readonly commitP99Ms: number | null;
  readonly storeBytes: number | null;
  readonly streams: number;
  /** CPU use of the server process over the interval, 100 = one core. */
  readonly cpuPercent: number | null;
  readonly rssBytes: number | null;
}
