/**
 * What the dashboard charts: rates and quantiles over one interval, from two cumulative
 * snapshots (what Prometheus's rate() and histogram_quantile() do, here once per interval on
 * the server so every page gets the same figures). Pure.
 */
import type { MetricsSample } from "@rivulet/protocol";
import type { Snapshot } from "./snapshot.js";

export type Sample = MetricsSample;

export function sampleBetween(seq: number, before: Snapshot, after: Snapshot): Sample {
  const seconds = Math.max(0.001, (after.at - before.at) / 1000);
  const rate = (from: number, to: number) => round(Math.max(0, to - from) / seconds);
  const buckets = intervalBuckets(before.commitBuckets, after.commitBuckets);
  const cpu =
    before.cpuSeconds === undefined || after.cpuSeconds === undefined
      ? null
      : round((100 * Math.max(0, after.cpuSeconds - before.cpuSeconds)) / seconds);
  return {
    seq,
    at: after.at,
    appendsPerSecond: rate(before.appends, after.appends),
    bytesPerSecond: rate(before.appendBytes, after.appendBytes),
    readsPerSecond: rate(before.reads, after.reads),
    serverErrorsPerSecond: rate(before.serverErrors, after.serverErrors),
    clientErrorsPerSecond: rate(before.clientErrors, after.clientErrors),
    liveConnections: after.liveConnections,
    commitsPerSecond: rate(before.commits, after.commits),
    commitP50Ms: toMs(quantile(buckets, 0.5)),
    commitP99Ms: toMs(quantile(buckets, 0.99)),
    storeBytes: after.storeBytes ?? null,
    streams: after.streams,
    cpuPercent: cpu,
    rssBytes: after.rssBytes ?? null,
  };
}

/** The cumulative buckets of what happened between two snapshots of one histogram. */
export function intervalBuckets(
  before: ReadonlyArray<readonly [number, number]>,
  after: ReadonlyArray<readonly [number, number]>,
): Array<[number, number]> {
  const earlier = new Map(before);
  return after.map(([le, count]) => [le, Math.max(0, count - (earlier.get(le) ?? 0))]);
}

/**
 * The q-quantile of cumulative buckets [upper bound, count], interpolating linearly inside the
 * bucket it falls in (the lowest bucket from 0); in the +Inf bucket, the highest finite bound.
 * Undefined when the buckets are empty.
 */
export function quantile(buckets: ReadonlyArray<readonly [number, number]>, q: number): number | undefined {
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of buckets) {
    if (count >= rank && count > below) {
      if (le === Number.POSITIVE_INFINITY) return lower;
      return lower + ((le - lower) * (rank - below)) / (count - below);
    }
    if (le !== Number.POSITIVE_INFINITY) lower = le;
    below = count;
  }
  return lower;
}

function toMs(seconds: number | undefined): number | null {
  return seconds === undefined ? null : round(seconds * 1000);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
