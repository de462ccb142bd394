/**
 * Scenario 4, as `rivulet bench` reports it: for each --subscribers count, that many SSE and
 * then long-poll readers of one stream, one append per interval; then the highest rate the
 * smallest group of SSE readers keeps up with. With --pid, also scenario 6: the server's RSS
 * per reader.
 */
import {
  count,
  type FanOutGroup,
  growthPer,
  LIVE_MODES,
  measureFanOut,
  ms,
  perSecond,
  type RampMeasurement,
  rssPerReader,
} from "@rivulet/load";
import type { BenchPlan } from "../plan.js";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

export async function fanOutScenario({ run, plan }: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  const failures = new FailureTally();
  const measured = await measureFanOut(run, {
    subscriberCounts: plan.subscriberCounts,
    appendsPerRun: plan.fanOutAppends,
    intervalMs: plan.fanOutIntervalMs,
    messageBytes: plan.fanOutMessageBytes,
    rampRates: plan.rampRates,
    rampStepSeconds: plan.rampStepSeconds,
    rampP99LimitMs: plan.rampP99LimitMs,
  });
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const group of byReaders(measured.groups, plan)) {
    const { mode, subscribers, result } = group;
    const window = result.runs[0]!;
    const missing = window.expected - window.delivered;
    failures.add(missing, `${missing} of ${window.expected} deliveries missing (${result.firstFailure ?? "no error"})`);
    failures.add(result.appendErrors, result.firstFailure);
    const rss = rssPerReader(result);
    rows.push([
      mode,
      count(subscribers),
      count(result.attached),
      `${count(window.delivered)} of ${count(window.expected)}`,
      ms(window.latency.p50),
      ms(window.latency.p99),
      ms(window.latency.max),
      ms(Math.max(...window.everyoneMs)),
      growthPer(rss),
    ]);
    const { curve: _curve, ...latency } = window.latency;
    figures.push({
      mode,
      subscribers,
      attached: result.attached,
      delivered: window.delivered,
      expected: window.expected,
      latencyMs: latency,
      everySubscriberMs: window.everyoneMs,
      connectSeconds: result.connectSeconds,
      reconnects: result.reconnects,
      serverRssPerSubscriberBytes: rss,
    });
  }
  const ramp = rampFigure(measured.ramp);
  return {
    name: "fan-out",
    title: `4. Live fan-out on one stream: one ${plan.fanOutMessageBytes} B append every ${plan.fanOutIntervalMs} ms`,
    columns: ["mode", "readers", "attached", "delivered", "p50", "p99", "max", "every reader", "server RSS/reader"],
    rows,
    figures: [...figures, ramp],
    notes: [
      `highest rate held at ${count(ramp.subscribers)} SSE readers: ${ramp.highestHeldPerSecond === 0 ? "none of the rates tried" : perSecond(ramp.highestHeldPerSecond)} (rates ${plan.rampRates.join(", ")}/s, ${plan.rampStepSeconds} s each; held = every reader got every message, p99 ≤ ${plan.rampP99LimitMs} ms).`,
      "every reader: how long after the append the last reader had it (the slowest of the window's appends).",
      plan.serverPid === undefined
        ? "server RSS/reader (scenario 6): pass --pid when the server runs on this machine."
        : "server RSS/reader (scenario 6): the server's RSS growth from before the readers connected to all attached, per reader; below about 1,000 readers it mostly shows the heap growing in steps, and earlier load's garbage can hide it (run fan-out alone on a freshly started server for a clean figure).",
    ],
    ...failures.report,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The groups come mode by mode; the table goes by reader count, each count's modes together. */
function byReaders(groups: readonly FanOutGroup[], plan: BenchPlan): FanOutGroup[] {
  const counts = plan.subscriberCounts.length;
  return plan.subscriberCounts.flatMap((_, countIndex) =>
    LIVE_MODES.map((_mode, modeIndex) => groups[modeIndex * counts + countIndex]!),
  );
}

function rampFigure({ mode, subscribers, runs }: RampMeasurement) {
  const result = runs[0]!;
  return {
    ramp: true,
    mode,
    subscribers,
    highestHeldPerSecond: result.highestHeld,
    steps: result.steps.map((step) => ({
      rate: step.rate,
      p99Ms: step.latency.p99,
      delivered: step.delivered,
      expected: step.expected,
      held: step.held,
    })),
  };
}
