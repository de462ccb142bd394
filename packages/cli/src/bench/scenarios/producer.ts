/**
 * Scenario 2, as `rivulet bench` reports it: 100 B messages through Rivulet's client
 * producer, and through a minimal batching producer that shows what the server absorbs when
 * the client costs next to nothing; JSON and bytes each.
 */
import { count, measureProducers, megabytesPerSecond, perSecond } from "@rivulet/load";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

/** The minimal producer's batching: large batches, a few in flight. */
const RAW_BATCH_MESSAGES = 10_000;
const RAW_IN_FLIGHT = 4;

const LABELS: Readonly<Record<string, string>> = {
  rivulet: "@rivulet/client IdempotentProducer",
  raw: `minimal batching producer (${count(RAW_BATCH_MESSAGES)} per request, ${RAW_IN_FLIGHT} in flight)`,
};

const CONFIGS = ["rivulet", "raw"].flatMap((client) => [true, false].map((json) => ({ client, json })));

export async function producerScenario({ run, plan }: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  const failures = new FailureTally();
  const measured = await measureProducers(run, CONFIGS, {
    messageBytes: plan.producerMessageBytes,
    seconds: plan.durationMs / 1000,
    maxMessages: 10_000_000,
    windowMessages: plan.quick ? 50_000 : 500_000,
    rawBatchMessages: RAW_BATCH_MESSAGES,
    rawInFlight: RAW_IN_FLIGHT,
  });
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const { client, json, outcomes } of measured) {
    const label = LABELS[client]!;
    const content = json ? "JSON" : "bytes";
    const outcome = outcomes[0]!;
    if (outcome.ok) {
      const { result } = outcome;
      rows.push([
        label,
        content,
        perSecond(result.messagesPerSecond),
        megabytesPerSecond(result.megabytesPerSecond),
        count(result.messages),
      ]);
      figures.push({ client, content, ...result });
    } else {
      const reason = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      failures.add(1, reason);
      rows.push([label, content, `failed: ${reason.split("\n")[0]}`, "–", "–"]);
      figures.push({ client, content, failed: reason });
    }
  }
  return {
    name: "producer",
    title: `2. Idempotent producer: ${plan.producerMessageBytes} B messages`,
    columns: ["producer", "content", "messages", "payload", "acknowledged"],
    rows,
    figures,
    notes: [
      `each for about ${plan.durationMs / 1000} s; the rate includes every flush, so every counted message was acknowledged.`,
    ],
    ...failures.report,
    seconds: (performance.now() - started) / 1000,
  };
}
