/**
 * Scenario 5, as `rivulet bench` reports it: --creates empty streams created from
 * --connections connections; the creation rate, and with --pid the server's RSS growth per
 * idle stream.
 */
import { count, growthPer, measureCreates, perSecond } from "@rivulet/load";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

export async function createsScenario({ run, plan }: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  const failures = new FailureTally();
  const connections = Math.min(plan.connections, plan.creates);
  const { rssPerStreamBytes, ...result } = await measureCreates(run, {
    streams: plan.creates,
    connections,
    warmupStreams: 0,
  });
  failures.add(result.errors, result.firstError);
  return {
    name: "creates",
    title: `5. Many streams: ${count(plan.creates)} created from ${connections} connections`,
    columns: ["created", "errors", "rate", "seconds", "server RSS/stream"],
    rows: [
      [
        count(result.created),
        count(result.errors),
        perSecond(result.perSecond),
        result.seconds.toFixed(1),
        growthPer(rssPerStreamBytes),
      ],
    ],
    figures: [{ ...result, serverRssPerStreamBytes: rssPerStreamBytes }],
    notes: [
      plan.serverPid === undefined
        ? "server RSS/stream: pass --pid when the server runs on this machine."
        : "server RSS/stream: the server's RSS growth over the creates, per stream created; earlier load's garbage can hide it (run creates alone on a freshly started server for a clean figure).",
    ],
    ...failures.report,
    seconds: (performance.now() - started) / 1000,
  };
}
