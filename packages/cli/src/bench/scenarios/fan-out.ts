/**
 * Scenario 4, live fan-out: N readers follow one stream over SSE, then over long-poll, while
 * one message is appended per interval; latency runs from each append's due time to its
 * arrival at each reader. Then the highest append rate the smallest group of SSE readers keeps
 * up with. With --pid, also scenario 6: the server's RSS per connected SSE reader.
 */

import type { LiveMode } from "@rivulet/load";
import { count, fanOut, fanOutRamp, growthPer, ms, perSecond } from "@rivulet/load";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

const ATTACH_TIMEOUT_MS = 60_000;
const CONNECT_BATCH = 500;

export async function fanOutScenario(context: ScenarioContext): Promise<ScenarioReport> {
  const { target, plan, progress } = context;
  const started = performance.now();
  const failures = new FailureTally();
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  const deliveryWaitMs = Math.max(2_000, 8 * plan.fanOutIntervalMs);
  for (const subscribers of plan.subscriberCounts) {
    for (const mode of ["sse", "long-poll"] as const satisfies readonly LiveMode[]) {
      const path = target.path(`fan-out-${mode}-${subscribers}`);
      target.created(path);
      progress(`fan-out: ${count(subscribers)} ${mode} readers`);
      const result = await fanOut({
        origin: target.origin,
        headers: target.headers,
        path,
        mode,
        subscribers,
        runs: 1,
        appendsPerRun: plan.fanOutAppends,
        intervalMs: plan.fanOutIntervalMs,
        messageBytes: plan.fanOutMessageBytes,
        connectBatch: CONNECT_BATCH,
        attachTimeoutMs: ATTACH_TIMEOUT_MS,
        deliveryWaitMs,
        ...(plan.serverPid === undefined ? {} : { serverPid: plan.serverPid }),
      });
      const window = result.runs[0]!;
      const missing = window.expected - window.delivered;
      failures.add(
        missing,
        `${missing} of ${window.expected} deliveries missing (${result.firstFailure ?? "no error"})`,
      );
      failures.add(result.appendErrors, result.firstFailure);
      const everyone = Math.max(...window.everyoneMs);
      const rssPerReader = (result.rssAttachedBytes - result.rssBeforeBytes) / Math.max(1, result.attached);
      rows.push([
        mode,
        count(subscribers),
        count(result.attached),
        `${count(window.delivered)} of ${count(window.expected)}`,
        ms(window.latency.p50),
        ms(window.latency.p99),
        ms(window.latency.max),
        ms(everyone),
        growthPer(rssPerReader),
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
        serverRssPerSubscriberBytes: rssPerReader,
      });
    }
  }
  const ramp = await rampRow(context);
  return {
    name: "fan-out",
    title: `4. Live fan-out on one stream: one ${plan.fanOutMessageBytes} B append every ${plan.fanOutIntervalMs} ms`,
    columns: ["mode", "readers", "attached", "delivered", "p50", "p99", "max", "every reader", "server RSS/reader"],
    rows,
    figures: [...figures, ramp.figure],
    notes: [
      `highest rate held at ${count(ramp.subscribers)} SSE readers: ${ramp.highest === 0 ? "none of the rates tried" : perSecond(ramp.highest)} (rates ${plan.rampRates.join(", ")}/s, ${plan.rampStepSeconds} s each; held = every reader got every message, p99 ≤ ${plan.rampP99LimitMs} ms).`,
      "every reader: how long after the append the last reader had it (the slowest of the window's appends).",
      plan.serverPid === undefined
        ? "server RSS/reader (scenario 6): pass --pid when the server runs on this machine."
        : "server RSS/reader (scenario 6): the server's RSS growth from before the readers connected to all attached, per reader; below about 1,000 readers it mostly shows the heap growing in steps, and earlier load's garbage can hide it (run fan-out alone on a freshly started server for a clean figure).",
    ],
    ...failures.report,
    seconds: (performance.now() - started) / 1000,
  };
}

async function rampRow({ target, plan, progress }: ScenarioContext) {
  const subscribers = Math.min(...plan.subscriberCounts);
  const path = target.path(`fan-out-ramp-${subscribers}`);
  target.created(path);
  progress(`fan-out: highest rate held at ${count(subscribers)} SSE readers`);
  const result = await fanOutRamp({
    origin: target.origin,
    headers: target.headers,
    path,
    mode: "sse",
    subscribers,
    rates: plan.rampRates,
    stepSeconds: plan.rampStepSeconds,
    p99LimitMs: plan.rampP99LimitMs,
    messageBytes: plan.fanOutMessageBytes,
    connectBatch: CONNECT_BATCH,
    attachTimeoutMs: ATTACH_TIMEOUT_MS,
  });
  const figure = {
    ramp: true,
    mode: "sse",
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
  return { subscribers, highest: result.highestHeld, figure };
}
