/**
 * Scenario 2, batched messages through an idempotent producer: 100 B messages appended in
 * windows, each window flushed, so every counted message was acknowledged. Rivulet's client
 * producer, and a minimal batching producer that shows what the server absorbs when the
 * client costs next to nothing.
 */

import { count, megabytesPerSecond, perSecond, producerThroughput } from "@rivulet/load";
import { FailureTally, type ScenarioContext, type ScenarioReport } from "./scenario.js";

/** The minimal producer's batching: large batches, a few in flight. */
const RAW_BATCH_MESSAGES = 10_000;
const RAW_IN_FLIGHT = 4;

const PRODUCERS = [
  { client: "rivulet", label: "@rivulet/client IdempotentProducer" },
  {
    client: "raw",
    label: `minimal batching producer (${count(RAW_BATCH_MESSAGES)} per request, ${RAW_IN_FLIGHT} in flight)`,
  },
] as const;

export async function producerScenario({ target, plan, progress }: ScenarioContext): Promise<ScenarioReport> {
  const started = performance.now();
  const failures = new FailureTally();
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const { client, label } of PRODUCERS) {
    for (const json of [true, false]) {
      const content = json ? "JSON" : "bytes";
      const path = target.path(`producer-${client}-${content.toLowerCase()}`);
      target.created(path);
      progress(`producer: ${client}, ${content}`);
      try {
        const result = await producerThroughput({
          origin: target.origin,
          headers: target.headers,
          path,
          client,
          json,
          messageBytes: plan.producerMessageBytes,
          seconds: plan.durationMs / 1000,
          maxMessages: 10_000_000,
          windowMessages: plan.quick ? 50_000 : 500_000,
          rawBatchMessages: RAW_BATCH_MESSAGES,
          rawInFlight: RAW_IN_FLIGHT,
        });
        rows.push([
          label,
          content,
          perSecond(result.messagesPerSecond),
          megabytesPerSecond(result.megabytesPerSecond),
          count(result.messages),
        ]);
        figures.push({ client, content, ...result });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        failures.add(1, reason);
        rows.push([label, content, `failed: ${reason.split("\n")[0]}`, "–", "–"]);
        figures.push({ client, content, failed: reason });
      }
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
