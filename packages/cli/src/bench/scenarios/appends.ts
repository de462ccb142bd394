/**
 * Scenario 1, durable appends, as `rivulet bench` reports it: JSON appends of --size bytes from
 * --connections connections over each of --streams stream counts; the peak, and the latency
 * at --rate (default 80% of the peak).
 */
import { count, measureAppends, ms, percent, perSecond } from "@rivulet/load";
import type { BenchPlan } from "../plan.js";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

export async function appendsScenario({ run, plan }: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  const failures = new FailureTally();
  const measured = await measureAppends(run, sizes(plan), {
    rates: (_streams, peak) => [plan.rate ?? Math.max(10, Math.round(peak.median * 0.8))],
  });
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const { streams, peaks, open: opens } of measured) {
    const peak = peaks[0]!;
    const { rate, runs } = opens[0]!;
    const open = runs[0]!;
    failures.add(peak.errors, peak.firstError);
    failures.add(open.errors, open.firstError);
    rows.push([
      count(streams),
      perSecond(peak.perSecond),
      percent(peak.cpu.serverPercent),
      perSecond(rate),
      perSecond(open.achievedPerSecond),
      ms(open.latency.p50),
      ms(open.latency.p99),
      ms(open.latency.p999),
      ms(open.latency.max),
      count(peak.errors + open.errors + open.unfinished),
    ]);
    const { curve: _curve, ...latency } = open.latency;
    figures.push({
      streams,
      peakPerSecond: peak.perSecond,
      serverCpuPercent: peak.cpu.serverPercent,
      offeredPerSecond: rate,
      answeredPerSecond: open.achievedPerSecond,
      latencyMs: latency,
      errors: peak.errors + open.errors,
      unanswered: open.unfinished,
    });
    failures.add(open.unfinished, `${open.unfinished} appends unanswered 10 s after the last was sent`);
  }
  return {
    name: "appends",
    title: `1. Durable appends: ${count(plan.appendBytes)} B JSON, ${plan.connections} connections`,
    columns: ["streams", "peak", "server CPU", "offered", "answered", "p50", "p99", "p99.9", "max", "errors"],
    rows,
    figures,
    notes: [
      `peak: closed loop for ${plan.durationMs / 1000} s after ${plan.warmupMs / 1000} s unrecorded; appends rotate over the streams.`,
      `latency: open model at the offered rate (${plan.rate === undefined ? "80% of the peak" : "--rate"}), measured from each append's due time, so queueing counts.`,
      plan.serverPid === undefined ? "server CPU: pass --pid when the server runs on this machine." : "",
    ].filter((note) => note !== ""),
    ...failures.report,
    seconds: (performance.now() - started) / 1000,
  };
}

function sizes(plan: BenchPlan) {
  return {
    streamCounts: plan.streamCounts,
    connections: plan.connections,
    bodyBytes: plan.appendBytes,
    peakSeconds: plan.durationMs / 1000,
    openSeconds: plan.durationMs / 1000,
    warmupSeconds: plan.warmupMs / 1000,
    // A rate given with --rate may be far above the peak: its answers are still waited for.
    drainMs: 10_000,
    overloadDrainMs: 10_000,
  };
}
