/**
 * Scenario 13's per-message comparison with scenario 2 in the same shape: the SDK's producer
 * sends S2's windows (same message, window, slices and flush; sdk-produce-windows.ts) to a
 * 12-partition topic, and S2's client IdempotentProducer row runs beside it, runs of the two
 * alternating, each on a fresh server. The 2,000-outstanding rows measure latency-bound
 * sends; this one measures what a message costs.
 */
import { measureProducers, type Spread, spread } from "@rivulet/load";
import { runJob } from "../load/run-job.js";
import type { RunningServer } from "../servers/launch.js";
import type { ScenarioContext } from "./context.js";
import { onServer, withServer } from "./context.js";

const TOPICS = "/v1/stream/__ds/topics";

export interface WindowsComparison {
  readonly sdk: Spread;
  readonly s2: Spread;
  readonly ackCheck: "ok" | "mismatch";
  readonly envelopeBytes: number;
}

export async function measureWindows(context: ScenarioContext, partitions: number): Promise<WindowsComparison> {
  const sdk: number[] = [];
  const s2: number[] = [];
  let acked = true;
  let envelopeBytes = 0;
  for (let run = 1; run <= context.settings.runs; run++) {
    // Alternating which goes first, so a change in the machine's load lands on both.
    const order = run % 2 === 1 ? ["sdk", "s2"] : ["s2", "sdk"];
    for (const which of order) {
      if (which === "s2") s2.push(await measureS2(context));
      else {
        const result = await withServer(context, "rivulet", (server) =>
          measureSdk(server, `windows-${run}`, partitions, context),
        );
        sdk.push(result.recordsPerSecond);
        acked &&= result.ackCheck;
        envelopeBytes = result.envelopeBytes;
      }
    }
  }
  return { sdk: spread(sdk), s2: spread(s2), ackCheck: acked ? "ok" : "mismatch", envelopeBytes };
}

async function measureSdk(
  server: RunningServer,
  topic: string,
  partitions: number,
  context: ScenarioContext,
): Promise<{ recordsPerSecond: number; ackCheck: boolean; envelopeBytes: number }> {
  const s = context.settings.producer;
  const created = await fetch(`${server.url}${TOPICS}/${topic}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ partitions }),
  });
  if (created.status !== 201) throw new Error(`creating the topic: ${created.status} ${await created.text()}`);
  const result = await runJob(
    "sdkProduceWindows",
    {
      origin: server.url,
      topic,
      messageBytes: s.messageBytes,
      keys: context.settings.sdkProduce.keys,
      seconds: s.seconds,
      maxMessages: s.maxMessages,
      windowMessages: s.windowMessages,
    },
    (s.seconds + 120) * 1000,
  );
  const described = (await (await fetch(`${server.url}${TOPICS}/${topic}`)).json()) as {
    partitions: Array<{ next_seq: number }>;
  };
  const stored = described.partitions.reduce((n, p) => n + p.next_seq, 0);
  return {
    recordsPerSecond: result.records / result.seconds,
    ackCheck: stored === result.records,
    envelopeBytes: result.envelopeBytes,
  };
}

/** One run of scenario 2's Rivulet client row (JSON, one stream), on a fresh server. */
async function measureS2(context: ScenarioContext): Promise<number> {
  const config = { client: "rivulet", server: "rivulet", json: true } as const;
  const [measured] = await withServer(context, "rivulet", (running) =>
    measureProducers({ ...onServer(context, running), runs: 1 }, [config], context.settings.producer),
  );
  const outcome = measured?.outcomes[0];
  if (!outcome?.ok) throw new Error(`scenario 2's producer failed in this run: ${String(outcome?.error)}`);
  return outcome.result.messagesPerSecond;
}
