/**
 * Scenario 8, webhook delivery through subscriptions, as `rivulet bench` reports it:
 * --subscriptions webhook subscriptions over ten streams each, delivering to a receiver this
 * command runs on 127.0.0.1 (so the server must be on this machine and let webhooks reach it:
 * `rivulet serve --webhook-allow 127.0.0.1`). Appends at a fixed rate, then at peak from
 * --connections connections; append → receiver latency, wakes per second, appends per wake.
 */
import {
  average,
  count,
  describePhase,
  measureSubscriptions,
  ms,
  percent,
  perSecond,
  type SubscriptionSizes,
} from "@rivulet/load";
import { type BenchPlan, SUBSCRIPTION_STREAMS } from "../plan.js";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

export async function subscriptionsScenario({ run, plan }: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  const failures = new FailureTally();
  const measured = await measureSubscriptions(run, sizes(plan));
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const { phase, windows } of measured.phases) {
    const window = windows[0]!;
    failures.add(window.appendErrors, window.firstError);
    failures.add(window.receiverFailures, window.firstError);
    failures.add(window.undelivered, `${window.undelivered} acknowledged appends never reached the receiver`);
    failures.add(window.unanswered, `${window.unanswered} appends unanswered when their window ended`);
    rows.push([
      describePhase(phase),
      perSecond(window.appendsPerSecond),
      perSecond(window.wakesPerSecond),
      average(window.appendsPerWake),
      ms(window.latency.p50),
      ms(window.latency.p90),
      ms(window.latency.p99),
      ms(window.latency.max),
      `${count(window.delivered)} of ${count(window.acked)}`,
      percent(window.cpu.serverPercent),
      count(window.appendErrors + window.receiverFailures + window.unanswered),
    ]);
    const { latency, ...counts } = window;
    const { curve: _curve, ...latencyMs } = latency;
    figures.push({ ...counts, latencyMs });
  }
  const { result } = measured;
  failures.add(result.leftOver, `${result.leftOver} subscriptions could not be deleted`);
  return {
    name: "subscriptions",
    title: `8. Webhook delivery: ${count(plan.subscriptions)} subscriptions over ${count(plan.subscriptions * SUBSCRIPTION_STREAMS)} streams`,
    columns: ["load", "appends", "wakes", "per wake", "p50", "p90", "p99", "max", "delivered", "server CPU", "errors"],
    rows,
    figures: [...figures, { setup: true, streams: result.streams, subscriptions: result.subscriptions }],
    notes: [
      `every subscription delivers to a receiver on 127.0.0.1 in this process, which ${plan.verifySignatures ? "checks each signature against the server's JWKS, " : ""}answers at once and then calls back with an ack and done.`,
      "latency: from each append's acknowledgement to the arrival of the first wake naming its stream at or past it; per wake: appends delivered per wake (coalescing).",
      `fixed rate for ${plan.durationMs / 1000} s, then peak: a closed loop of ${plan.connections} connections; after each, deliveries still due are waited for.`,
      plan.serverPid === undefined ? "server CPU: pass --pid when the server runs on this machine." : "",
    ].filter((note) => note !== ""),
    ...failures.report,
    seconds: (performance.now() - started) / 1000,
  };
}

function sizes(plan: BenchPlan): SubscriptionSizes {
  return {
    streams: plan.subscriptions * SUBSCRIPTION_STREAMS,
    subscriptions: plan.subscriptions,
    rates: [plan.subscriptionRate],
    rateSeconds: plan.durationMs / 1000,
    peakConnections: plan.connections,
    peakSeconds: plan.durationMs / 1000,
    warmupSeconds: plan.warmupMs / 1000,
    drainMs: 15_000,
    bodyBytes: 256,
    connections: plan.connections,
    ack: "callback",
    verifySignatures: plan.verifySignatures,
  };
}
