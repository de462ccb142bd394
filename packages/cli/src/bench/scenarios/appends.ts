/**
 * Scenario 1, durable appends: JSON appends of --size bytes from --connections connections,
 * spread over each of --streams stream counts. Peak throughput from a closed loop (each
 * connection sends its next append when the last is answered); latency from an open model
 * (appends due at a fixed rate whatever the answers, latency counted from the due time).
 */

import { appendClosedLoop, appendOpenLoop, count, createStreams, ms, percent, perSecond } from "@rivulet/load";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

export async function appendsScenario({ target, plan, progress }: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  const failures = new FailureTally();
  const prefix = target.path("appends-");
  const most = Math.max(...plan.streamCounts);
  target.createdRange(prefix, most);
  progress(`appends: creating ${count(most)} stream(s)`);
  const created = await createStreams({
    origin: target.origin,
    headers: target.headers,
    prefix,
    first: 0,
    count: most,
    contentType: "application/json",
    connections: Math.min(plan.connections, most),
    timeoutMs: 600_000,
  });
  if (created.created !== most) throw new Error(`created ${created.created} of ${most} streams: ${created.firstError}`);

  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const streams of plan.streamCounts) {
    const load = {
      origin: target.origin,
      headers: target.headers,
      paths: Array.from({ length: streams }, (_, index) => `${prefix}${index}`),
      connections: plan.connections,
      bodyBytes: plan.appendBytes,
      seconds: plan.durationMs / 1000,
      warmupSeconds: plan.warmupMs / 1000,
      ...(plan.serverPid === undefined ? {} : { serverPid: plan.serverPid }),
    };
    progress(`appends: ${count(streams)} stream(s), peak`);
    const peak = await appendClosedLoop(load);
    failures.add(peak.errors, peak.firstError);
    const rate = plan.rate ?? Math.max(10, Math.round(peak.perSecond * 0.8));
    progress(`appends: ${count(streams)} stream(s), latency at ${perSecond(rate)}`);
    const open = await appendOpenLoop({ ...load, rate, drainMs: 10_000 });
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
