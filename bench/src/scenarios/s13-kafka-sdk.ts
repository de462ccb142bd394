/**
 * Scenario 13: keyed records to a 12-partition topic through `@rivulet/kafka`'s producer, side
 * by side with the same workload written with `@rivulet/client` directly (murmur2, one
 * idempotent producer per partition stream, the record envelope by hand), on Rivulet in fsync
 * mode. Records acknowledged per second and the time from send to acknowledgement; afterwards
 * the partitions hold exactly the acknowledged records. Then the consumer half
 * (s13-consume.ts): a pre-filled topic consumed by a group of three, both ways.
 */
import { ms, repeat, type Spread, shortPerSecond, spread, spreadOf } from "@rivulet/load";
import type { ScenarioResult, Table, Verdict } from "../core/types.js";
import { runJob } from "../load/run-job.js";
import type { SdkProduceParams } from "../load/sdk-produce.js";
import type { RunningServer } from "../servers/launch.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import type { ScenarioContext } from "./context.js";
import { withServer } from "./context.js";
import { CONSUME_MODES, consumeTable, measureConsume } from "./s13-consume.js";
import { measureWindows, type WindowsComparison } from "./s13-produce-windows.js";

const PARTITIONS = 12;
/** Issue 19: the Kafka layer's rates per message, each at least this share of scenario 2's. */
const S2_SHARE_TARGET = 0.5;
const TOPICS = "/v1/stream/__ds/topics";

const MODES = [
  { mode: "sdk", label: "@rivulet/kafka producer.send" },
  { mode: "client", label: "@rivulet/client IdempotentProducer per partition" },
] as const;

interface Row {
  readonly mode: SdkProduceParams["mode"];
  readonly label: string;
  readonly recordsPerSecond: Spread;
  readonly p50: Spread;
  readonly p99: Spread;
  readonly ackCheck: "ok" | "mismatch";
}

export async function sdkProduceScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const s = context.settings.sdkProduce;
  const rows: Row[] = [];
  let run = 0;
  for (const { mode, label } of MODES) {
    const runs = await repeat(context.settings.runs, () =>
      withServer(context, "rivulet", (server) => measure(server, mode, `sdk-${++run}`, context)),
    );
    rows.push({
      mode,
      label,
      recordsPerSecond: spread(runs.map((r) => r.recordsPerSecond)),
      p50: spread(runs.map((r) => r.p50)),
      p99: spread(runs.map((r) => r.p99)),
      ackCheck: runs.every((r) => r.ackCheck) ? "ok" : "mismatch",
    });
    context.log(`  ${label}: ${shortPerSecond(rows.at(-1)!.recordsPerSecond.median)} records`);
  }
  const [sdk, client] = rows;
  const ratio = sdk!.recordsPerSecond.median / client!.recordsPerSecond.median;
  const windows = await measureWindows(context, PARTITIONS);
  const s2 = windows.s2;
  const s2Ratio = sdk!.recordsPerSecond.median / s2.median;
  const windowsRatio = windows.sdk.median / s2.median;
  context.log(
    `  S2 (client IdempotentProducer, one stream): ${shortPerSecond(s2.median)} messages; SDK in S2's windows ${shortPerSecond(windows.sdk.median)} records, ${windowsRatio.toFixed(2)}× S2`,
  );
  const c = context.settings.sdkConsume;
  const consumeRows = await measureConsume(context);
  const [sdkConsume, clientConsume] = consumeRows;
  const consumeRatio = sdkConsume!.recordsPerSecond.median / clientConsume!.recordsPerSecond.median;
  return {
    id: "s13",
    title: "13. Producing and consuming through @rivulet/kafka",
    tables: [table(rows, windows), consumeTable(consumeRows, c.members, c.partitions)],
    verdicts: verdicts(windows.sdk.median, sdkConsume!.recordsPerSecond.median, s2.median, context.settings.quick),
    notes: [
      `One topic of ${PARTITIONS} partitions on ${SERVER_KINDS.rivulet.label} (${SERVER_KINDS.rivulet.durability}), a fresh server per run. One producer in one load-generator process, ${s.window.toLocaleString("en-US")} records unacknowledged at a time, for ${s.seconds} s; ${s.valueBytes} B values, keys drawn from ${s.keys.toLocaleString("en-US")}, routed by murmur2.`,
      `The SDK reached ${(ratio * 100).toFixed(0)}% of the direct client's records/s. Per record it also checks the options, serializes the value (JSON, or a schema's) and builds the envelope text.`,
      `Against scenario 2 measured in this same run (its Rivulet client IdempotentProducer row, JSON, one stream, fresh server, runs alternating with the windowed SDK row's): the SDK's producer in S2's shape reached ${windowsRatio.toFixed(2)}× S2's rate per message (issue 19's target: ≥ 0.5×); with ${s.window.toLocaleString("en-US")} records outstanding, ${s2Ratio.toFixed(2)}×, a rate bounded by round trips (${s.window.toLocaleString("en-US")} records per round trip), not by what a record costs.`,
      `S2's shape: windows of ${context.settings.producer.windowMessages.toLocaleString("en-US")} records handed to \`producer.sendBatch\` in slices of 2,000 (yielding to I/O between slices, as S2's loop appends), each window ended by \`flush()\`, for about ${context.settings.producer.seconds} s; each value is S2's ${context.settings.producer.messageBytes} B JSON message, keyed (${s.keys.toLocaleString("en-US")} keys, murmur2), so each record's envelope is ${windows.envelopeBytes} B. Ack check: the partitions' next seqs add up to the records acknowledged.`,
      "The SDK sends each linger window's records for all partitions as one request to the topic's produce endpoint, each partition numbered as its own idempotent batch (Producer-Partitions), up to 5 requests in flight; the direct client batches per partition stream with the idempotent producer's defaults (5 ms linger, 1 MiB batches, 5 batches in flight). Both count a record once it is acknowledged. Ack check: afterwards the partitions' next seqs add up to the records acknowledged.",
      `Consuming: one topic of ${c.partitions} partitions pre-filled with ${c.records.toLocaleString("en-US")} keyed records (${c.valueBytes} B values, murmur2), a fresh server per run; ${c.members} consumers, each in its own load-generator process, all started on one signal once every process is up. Records/s is the records divided by the time from the first fetch of any consumer to the last commit answered that covers a partition's last record (every commit a durable write). Fetches of up to ${c.maxPollRecords} records; positions committed every ${c.commitIntervalMs} ms.`,
      `${CONSUME_MODES[0].label}: \`kafka.consumer(topic, { group, offset: "earliest", autoCommitIntervalMs: ${c.commitIntervalMs} })\` iterated one record at a time, the server assigning partitions. The consumers join together, so the first fetches may start before the group has settled; "partitions moved" counts partitions taken from a consumer while consuming (each after committing its finished records), "go to first fetch" is the time to the first assignment. Commits and partitions moved are medians per run, over all consumers. A group consumer never learns that the topic is drained, so the run stops once every partition's last record is committed.`,
      `${CONSUME_MODES[1].label}: consumer i reads partitions p ≡ i (mod ${c.members}) in the records view to their tails and commits their positions on the same interval, without a member id (the server accepts that while the group has no members: consumers that assign partitions themselves, Kafka's \`assign()\`). That is the fair baseline: the same reads and the same durable commits of the same offsets, without what the SDK adds on top — membership and rebalancing, a record object per message, the completion tracker. Plain reads without commits would leave out a durable write the SDK side must make. Joining as members would mean writing the group protocol by hand, which is the SDK's job.`,
      `Against scenario 2 in this same run, the SDK's group of ${c.members} consumed ${(sdkConsume!.recordsPerSecond.median / s2.median).toFixed(2)}× S2's rate per message (issue 19's target: ≥ ${S2_SHARE_TARGET}×).`,
      `The SDK consumed at ${(consumeRatio * 100).toFixed(0)}% of the direct client's records/s (medians; on a machine this busy, the spread of each is wider than the gap between them unless the gap is large). Its last commit waits for the next auto-commit tick (at most ${c.commitIntervalMs} ms); the direct client commits as soon as its reads end.`,
      "Count check: per partition, the seqs consumed by all consumers together are exactly 0 to next_seq − 1; duplicates are records consumed twice (allowed by at-least-once delivery, e.g. across a rebalance).",
      "Both producers and both consumers ran in this same run, on the same machine (see Machine above), runs of the two ways alternating. Rivulet in fsync mode: every append and every commit is acknowledged after the write-ahead log is fdatasynced.",
      "Load generators and server share the machine's 2 vCPUs.",
    ],
    data: {
      partitions: PARTITIONS,
      rows,
      ratio,
      s2: { messagesPerSecond: s2, ratio: s2Ratio },
      windows: { ...windows, ratio: windowsRatio },
      consume: { ...c, rows: consumeRows, ratio: consumeRatio },
    },
    seconds: (performance.now() - started) / 1000,
  };
}

/** Issue 19's row, judged against scenario 2's client producer measured in this same run. */
function verdicts(produced: number, consumed: number, s2: number, quick: boolean): Verdict[] {
  const judge = (what: string, rate: number, unit: string): Verdict => {
    const share = rate / s2;
    return {
      target: `Kafka layer: ${what}: ≥ ${S2_SHARE_TARGET}× S2's rate per message (fsync)`,
      measured: `${shortPerSecond(rate)} ${unit} = ${share.toFixed(2)}× S2 (${shortPerSecond(s2)} messages, same run)`,
      pass: quick ? null : share >= S2_SHARE_TARGET,
    };
  };
  return [
    judge("keyed produce, 12 partitions", produced, "records"),
    judge("group consume, 3 members", consumed, "records"),
  ];
}

interface Run {
  readonly recordsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly ackCheck: boolean;
}

async function measure(
  server: RunningServer,
  mode: SdkProduceParams["mode"],
  topic: string,
  context: ScenarioContext,
): Promise<Run> {
  const s = context.settings.sdkProduce;
  const created = await fetch(`${server.url}${TOPICS}/${topic}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ partitions: PARTITIONS }),
  });
  if (created.status !== 201) throw new Error(`creating the topic: ${created.status} ${await created.text()}`);
  const result = await runJob(
    "sdkProduce",
    { origin: server.url, topic, partitions: PARTITIONS, mode, ...s },
    (s.seconds + 60) * 1000,
  );
  if (result.errors.length > 0) throw new Error(`produce failed: ${result.errors[0]}`);
  const described = (await (await fetch(`${server.url}${TOPICS}/${topic}`)).json()) as {
    partitions: Array<{ next_seq: number }>;
  };
  const stored = described.partitions.reduce((n, p) => n + p.next_seq, 0);
  return {
    recordsPerSecond: result.records / result.seconds,
    p50: result.p50Ms,
    p99: result.p99Ms,
    ackCheck: stored === result.records,
  };
}

function table(rows: readonly Row[], windows: WindowsComparison): Table {
  const s2 = windows.s2;
  return {
    title: `Keyed records to ${PARTITIONS} partitions, one producer`,
    columns: ["producer", "records/s, median (min–max)", "× S2 (same run)", "ack p50", "ack p99", "ack check"],
    rows: [
      ...rows.map((row) => [
        row.label,
        spreadOf(row.recordsPerSecond, shortPerSecond),
        `${(row.recordsPerSecond.median / s2.median).toFixed(2)}×`,
        ms(row.p50.median),
        ms(row.p99.median),
        row.ackCheck,
      ]),
      [
        "@rivulet/kafka producer.sendBatch in S2's windows and flushes",
        spreadOf(windows.sdk, shortPerSecond),
        `${(windows.sdk.median / s2.median).toFixed(2)}×`,
        "–",
        "–",
        windows.ackCheck,
      ],
      [
        "S2: @rivulet/client IdempotentProducer, one stream (messages/s)",
        spreadOf(s2, shortPerSecond),
        "1.00×",
        "–",
        "–",
        "–",
      ],
    ],
  };
}
