/** The summary of a bench run: a short table for people, or one JSON object. */

import { formatBytes, formatTable } from "../output/format.js";
import type { LoadResult } from "./append-load.js";

export interface BenchSummary {
  target: string;
  payloadBytes: number;
  connections: number;
  streams: number;
  durationMs: number;
  warmupMs: number;
  ok: number;
  failed: number;
  failures: Record<string, number>;
  elapsedMs: number;
  appendsPerSecond: number;
  payloadBytesPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
}

export function summarize(
  result: LoadResult,
  settings: Pick<BenchSummary, "target" | "payloadBytes" | "connections" | "streams" | "durationMs" | "warmupMs">,
): BenchSummary {
  const seconds = result.elapsedMs / 1000;
  const ms = (us: number) => Math.round(us) / 1000;
  const latency = result.latencyUs;
  // A percentile is reported as the top of its histogram bucket, which can exceed the largest
  // value actually recorded; no percentile is allowed to claim more than the maximum.
  const percentile = (p: number) => ms(Math.min(latency.getValueAtPercentile(p), latency.maxValue));
  return {
    ...settings,
    ok: result.ok,
    failed: result.failed,
    failures: result.failures,
    elapsedMs: Math.round(result.elapsedMs),
    appendsPerSecond: Math.round(result.ok / seconds),
    payloadBytesPerSecond: Math.round((result.ok * settings.payloadBytes) / seconds),
    latencyMs: {
      p50: percentile(50),
      p90: percentile(90),
      p99: percentile(99),
      p999: percentile(99.9),
      max: ms(latency.maxValue),
      mean: ms(latency.mean),
    },
  };
}

export function formatSummary(summary: BenchSummary): string {
  const { latencyMs: latency } = summary;
  const failures = Object.entries(summary.failures)
    .map(([cause, count]) => `${cause} x${count}`)
    .join(", ");
  const rows: string[][] = [
    ["appends ok", String(summary.ok)],
    ["appends failed", summary.failed === 0 ? "0" : `${summary.failed} (${failures})`],
    ["throughput", `${summary.appendsPerSecond} appends/s, ${formatBytes(summary.payloadBytesPerSecond)}/s`],
    ["latency p50", `${latency.p50} ms`],
    ["latency p90", `${latency.p90} ms`],
    ["latency p99", `${latency.p99} ms`],
    ["latency p99.9", `${latency.p999} ms`],
    ["latency max", `${latency.max} ms`],
  ];
  const title =
    `appends of ${formatBytes(summary.payloadBytes)} to ${summary.streams} stream(s) under ${summary.target}\n` +
    `over ${summary.connections} connections for ${summary.elapsedMs / 1000} s ` +
    `(after ${summary.warmupMs / 1000} s of warm-up)`;
  return `${title}\n\n${formatTable(["METRIC", "VALUE"], rows)}`;
}
