/**
 * Scenario 5, many streams: --creates empty streams created from --connections connections;
 * the creation rate, and with --pid the server's RSS growth per idle stream.
 */
import { count, createStreams, growthPer, perSecond, rssIfKnown, sleep } from "@rivulet/load";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

export async function createsScenario({ target, plan, progress }: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  const failures = new FailureTally();
  const prefix = target.path("creates-");
  target.createdRange(prefix, plan.creates);
  const rssBefore = await rssIfKnown(plan.serverPid);
  progress(`creates: ${count(plan.creates)} streams`);
  const result = await createStreams({
    origin: target.origin,
    headers: target.headers,
    prefix,
    first: 0,
    count: plan.creates,
    contentType: "application/octet-stream",
    connections: Math.min(plan.connections, plan.creates),
    timeoutMs: 600_000,
  });
  failures.add(result.errors, result.firstError);
  // Let the server settle (pending commits, short-lived buffers) before its RSS is read.
  if (plan.serverPid !== undefined) await sleep(500);
  const rssPerStream = ((await rssIfKnown(plan.serverPid)) - rssBefore) / Math.max(1, result.created);
  return {
    name: "creates",
    title: `5. Many streams: ${count(plan.creates)} created from ${Math.min(plan.connections, plan.creates)} connections`,
    columns: ["created", "errors", "rate", "seconds", "server RSS/stream"],
    rows: [
      [
        count(result.created),
        count(result.errors),
        perSecond(result.perSecond),
        result.seconds.toFixed(1),
        growthPer(rssPerStream),
      ],
    ],
    figures: [{ ...result, serverRssPerStreamBytes: rssPerStream }],
    notes: [
      plan.serverPid === undefined
        ? "server RSS/stream: pass --pid when the server runs on this machine."
        : "server RSS/stream: the server's RSS growth over the creates, per stream created; earlier load's garbage can hide it (run creates alone on a freshly started server for a clean figure).",
    ],
    ...failures.report,
    seconds: (performance.now() - started) / 1000,
  };
}
