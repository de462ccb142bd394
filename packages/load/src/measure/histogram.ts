/** HdrHistogram recording in microseconds, summarised in milliseconds. */
import { build, type Histogram } from "hdr-histogram-js";

/** Latency distribution of one run, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
  /** [percentile, milliseconds] points for percentile charts. */
  readonly curve: ReadonlyArray<readonly [number, number]>;
}

const CURVE_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];

export function latencyHistogram(): Histogram {
  // 1 µs to 10 minutes, 3 significant digits.
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
}

export function summarise(histogram: Histogram): LatencySummary {
  // A percentile is the top of its bucket, which can exceed the largest value recorded; no
  // percentile may claim more than the maximum.
  const at = (p: number) =>
    histogram.totalCount === 0 ? Number.NaN : Math.min(histogram.getValueAtPercentile(p), histogram.maxValue) / 1000;
  return {
    count: histogram.totalCount,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: histogram.totalCount === 0 ? Number.NaN : histogram.maxValue / 1000,
    mean: histogram.totalCount === 0 ? Number.NaN : histogram.mean / 1000,
    curve: CURVE_PERCENTILES.map((p) => [p, at(p)] as const),
  };
}
