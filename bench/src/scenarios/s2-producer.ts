/**
 * Scenario 2 (@rivulet/load's definition) on Rivulet and the file-backed reference: 100 B
 * messages through a batching idempotent producer, acknowledged, per second. Rivulet's own
 * client is the target; the reference client and a minimal batching producer written for the
 * benchmark show what each server absorbs.
 */

import {
  measureProducers,
  megabytesPerSecond,
  type ProducerMeasurement,
  ratio,
  type Spread,
  shortPerSecond,
  spread,
  spreadOf,
  times,
} from "@rivulet/load";
import type { ScenarioResult, ServerId, Table, Verdict } from "../core/types.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import { onServer, type ScenarioContext, withServer } from "./context.js";

/** Issue 19: the client's producer at ≥ 0.85× the minimal producer, and ≥ 1M msgs/s of bytes. */
const RATIO_TARGET = 0.85;
const BYTES_TARGET = 1_000_000;

type ProducerClient = "rivulet" | "reference" | "raw";

interface Config {
  readonly client: ProducerClient;
  readonly server: ServerId;
  readonly json: boolean;
}

interface Row extends Config {
  readonly available: boolean;
  readonly reason?: string;
  readonly messagesPerSecond: Spread;
  readonly megabytesPerSecond: Spread;
  /** Whether the stream's tail matched the acknowledged messages (Rivulet's framing only). */
  readonly tailCheck: "ok" | "mismatch" | "n/a";
}

const CONFIGS: readonly Config[] = [
  { client: "rivulet", server: "rivulet", json: true },
  { client: "rivulet", server: "rivulet", json: false },
  { client: "reference", server: "rivulet", json: true },
  { client: "raw", server: "rivulet", json: true },
  { client: "raw", server: "rivulet", json: false },
  { client: "reference", server: "refFile", json: true },
  { client: "raw", server: "refFile", json: true },
];

const CLIENT_LABEL: Record<ProducerClient, string> = {
  rivulet: "Rivulet client IdempotentProducer (defaults)",
  reference: "reference client IdempotentProducer (@durable-streams/client, defaults)",
  raw: "bench's minimal batching producer",
};

export async function producerScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const rows: Row[] = [];
  for (const server of context.settings.producerServers) {
    const configs = CONFIGS.filter((c) => c.server === server);
    await withServer(context, server, async (running) => {
      const measured = await measureProducers(onServer(context, running), configs, context.settings.producer);
      rows.push(...measured.map((measurement, index) => rowOf(configs[index]!, measurement, context)));
    });
  }
  const s = context.settings.producer;
  return {
    id: "s2",
    title: "2. Batched messages through an idempotent producer, 100 B messages",
    tables: [table(rows)],
    verdicts: verdicts(rows, context.settings.quick),
    notes: [
      `Each run appends messages in windows of ${s.windowMessages.toLocaleString("en-US")} for about ${s.seconds} s; every window ends with flush(), so each counted message was acknowledged (and the producer's queue stays bounded). The rate includes the flushes.`,
      `The minimal producer sends ${s.rawBatchMessages.toLocaleString("en-US")} messages per request, ${s.rawInFlight} requests in flight, with Producer-Id/Epoch/Seq headers; the clients use their default batching (lingerMs, maxBatchBytes, maxInFlight).`,
      "Tail check: the stream's tail offset afterwards equals the acknowledged messages' bytes in Rivulet's framing (JSON: message + 2 bytes).",
      "Producer and server share the machine's 2 vCPUs.",
    ],
    data: { rows },
    seconds: (performance.now() - started) / 1000,
  };
}

function rowOf(config: Config, { outcomes }: ProducerMeasurement, context: ScenarioContext): Row {
  const s = context.settings.producer;
  const measured = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.result] : []));
  if (measured.length === 0) {
    const failed = outcomes.find((outcome) => !outcome.ok);
    // A producer that fails is reported in its row, not fatal to the scenario.
    const reason = failed ? `failed: ${String(failed.error).split("\n")[0]}` : "unavailable";
    return {
      ...config,
      available: false,
      reason,
      messagesPerSecond: spread([]),
      megabytesPerSecond: spread([]),
      tailCheck: "n/a",
    };
  }
  const framing = config.json ? s.messageBytes + 2 : s.messageBytes;
  const tailCheck =
    config.server !== "rivulet"
      ? "n/a"
      : measured.every((r) => r.tailPosition === r.messages * framing)
        ? "ok"
        : "mismatch";
  return {
    ...config,
    available: true,
    messagesPerSecond: spread(measured.map((r) => r.messagesPerSecond)),
    megabytesPerSecond: spread(measured.map((r) => r.megabytesPerSecond)),
    tailCheck,
  };
}

function table(rows: readonly Row[]): Table {
  const refBaseline = rows.find((r) => r.client === "reference" && r.server === "refFile")?.messagesPerSecond.median;
  return {
    title: "Producer throughput",
    columns: [
      "producer",
      "server",
      "durability",
      "content",
      "messages/s, median (min–max)",
      "payload MB/s",
      "× reference client → reference",
      "tail check",
    ],
    rows: rows.map((row) => [
      CLIENT_LABEL[row.client],
      SERVER_KINDS[row.server].label,
      SERVER_KINDS[row.server].durability,
      row.json ? "JSON" : "bytes",
      row.available ? spreadOf(row.messagesPerSecond, shortPerSecond) : `not available: ${row.reason}`,
      row.available ? spreadOf(row.megabytesPerSecond, megabytesPerSecond) : "–",
      row.available ? times(ratio(row.messagesPerSecond.median, refBaseline ?? Number.NaN)) : "–",
      row.tailCheck,
    ]),
  };
}

function verdicts(rows: readonly Row[], quick: boolean): Verdict[] {
  return rows
    .filter((r) => r.client === "rivulet")
    .map((row) => {
      const raw = rows.find((r) => r.client === "raw" && r.server === row.server && r.json === row.json);
      const content = row.json ? "JSON" : "bytes";
      const floor = row.json ? "" : `; ≥ ${shortPerSecond(BYTES_TARGET)}`;
      const target = `Rivulet client → Rivulet, ${content}: ≥ ${RATIO_TARGET}× the minimal producer${floor} (fsync)`;
      if (!row.available || !raw?.available) {
        return {
          target,
          measured: `not measured: ${row.reason ?? raw?.reason ?? "no minimal producer row"}`,
          pass: null,
        };
      }
      const share = row.messagesPerSecond.median / raw.messagesPerSecond.median;
      const measured = `${shortPerSecond(row.messagesPerSecond.median)} = ${times(share)} minimal (${shortPerSecond(raw.messagesPerSecond.median)})`;
      const pass = share >= RATIO_TARGET && (row.json || row.messagesPerSecond.median >= BYTES_TARGET);
      return { target, measured, pass: quick ? null : pass };
    });
}
