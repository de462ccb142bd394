/**
 * Scenario 12: keyed produce to a 12-partition topic on Rivulet (fsync mode), through the
 * produce endpoint — records routed by Kafka's murmur2, each partition's share of a request
 * appended as one append. Records acknowledged per second, with request latency, for single
 * records, batches, gzip-compressed batches and batches from idempotent producers. Afterwards
 * the partitions hold exactly the acknowledged records (their next seqs add up), spread over
 * every partition.
 */
import { ms, repeat, type Spread, shortPerSecond, spread, spreadOf } from "@rivulet/load";
import type { ScenarioResult, Table } from "../core/types.js";
import { runJob } from "../load/run-job.js";
import type { RunningServer } from "../servers/launch.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import type { ScenarioContext } from "./context.js";
import { withServer } from "./context.js";

const PARTITIONS = 12;
const TOPICS = "/v1/stream/__ds/topics";

interface Config {
  readonly label: string;
  readonly batch: number;
  readonly connections: number;
  readonly gzip: boolean;
  readonly idempotent: boolean;
}

interface Row extends Config {
  readonly recordsPerSecond: Spread;
  readonly megabytesPerSecond: Spread;
  readonly p50: Spread;
  readonly p99: Spread;
  readonly partitionsHit: number;
  /** The partitions' next seqs add up to the records acknowledged. */
  readonly ackCheck: "ok" | "mismatch";
}

export async function keyedProduceScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const s = context.settings.keyedProduce;
  const configs: Config[] = [
    { label: "1 record per request", batch: 1, connections: s.connections, gzip: false, idempotent: false },
    {
      label: `${s.batch} records per request`,
      batch: s.batch,
      connections: s.connections,
      gzip: false,
      idempotent: false,
    },
    {
      label: `${s.batch} records, gzip body`,
      batch: s.batch,
      connections: s.connections,
      gzip: true,
      idempotent: false,
    },
    {
      label: `${s.batch} records, idempotent producers`,
      batch: s.batch,
      connections: s.connections,
      gzip: false,
      idempotent: true,
    },
  ];
  const rows: Row[] = [];
  let run = 0;
  for (const config of configs) {
    const runs = await repeat(context.settings.runs, () =>
      withServer(context, "rivulet", (server) => measure(server, config, `orders-${++run}`, context)),
    );
    rows.push({
      ...config,
      recordsPerSecond: spread(runs.map((r) => r.recordsPerSecond)),
      megabytesPerSecond: spread(runs.map((r) => r.megabytesPerSecond)),
      p50: spread(runs.map((r) => r.p50)),
      p99: spread(runs.map((r) => r.p99)),
      partitionsHit: Math.min(...runs.map((r) => r.partitionsHit)),
      ackCheck: runs.every((r) => r.ackCheck) ? "ok" : "mismatch",
    });
    context.log(`  keyed produce: ${config.label}: ${shortPerSecond(rows.at(-1)!.recordsPerSecond.median)} records`);
  }
  return {
    id: "s12",
    title: "12. Keyed produce to a 12-partition topic",
    tables: [table(rows)],
    verdicts: [],
    notes: [
      `One topic of ${PARTITIONS} partitions on ${SERVER_KINDS.rivulet.label} (${SERVER_KINDS.rivulet.durability}), a fresh server per run. ${s.connections} clients, one request in flight each, for ${s.seconds} s; ${s.valueBytes} B values, keys drawn from ${s.keys.toLocaleString("en-US")}, routed by murmur2 (Kafka's partitioner).`,
      "A request's records for one partition are one append (atomic, durable before the answer); a request touches up to 12 partitions, written side by side.",
      "Records/s counts acknowledged records only; every answer was checked (one result per record, none failed). Ack check: afterwards the partitions' next seqs add up to the records acknowledged.",
      "Idempotent producers: one per client (Producer-Id/Epoch/Seq on each request), deduplicated per partition.",
      "Clients and server share the machine's 2 vCPUs.",
    ],
    data: { partitions: PARTITIONS, rows },
    seconds: (performance.now() - started) / 1000,
  };
}

interface Run {
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly partitionsHit: number;
  readonly ackCheck: boolean;
}

async function measure(server: RunningServer, config: Config, topic: string, context: ScenarioContext): Promise<Run> {
  const s = context.settings.keyedProduce;
  const created = await fetch(`${server.url}${TOPICS}/${topic}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ partitions: PARTITIONS }),
  });
  if (created.status !== 201) throw new Error(`creating the topic: ${created.status} ${await created.text()}`);
  const result = await runJob(
    "keyedProduce",
    {
      origin: server.url,
      path: `${TOPICS}/${topic}/records`,
      connections: config.connections,
      batch: config.batch,
      valueBytes: s.valueBytes,
      keys: s.keys,
      gzip: config.gzip,
      idempotent: config.idempotent,
      seconds: s.seconds,
    },
    (s.seconds + 60) * 1000,
  );
  if (result.errors.length > 0) throw new Error(`produce failed: ${result.errors[0]}`);
  const described = (await (await fetch(`${server.url}${TOPICS}/${topic}`)).json()) as {
    partitions: Array<{ next_seq: number }>;
  };
  const stored = described.partitions.reduce((n, p) => n + p.next_seq, 0);
  return {
    recordsPerSecond: result.records / result.seconds,
    megabytesPerSecond: (result.records * s.valueBytes) / result.seconds / 1e6,
    p50: result.p50Ms,
    p99: result.p99Ms,
    partitionsHit: Object.keys(result.perPartition).length,
    ackCheck: stored === result.records,
  };
}

function table(rows: readonly Row[]): Table {
  return {
    title: `Keyed produce, ${PARTITIONS} partitions`,
    columns: [
      "requests",
      "records/s, median (min–max)",
      "value MB/s",
      "latency p50",
      "latency p99",
      "partitions",
      "ack check",
    ],
    rows: rows.map((row) => [
      row.label,
      spreadOf(row.recordsPerSecond, shortPerSecond),
      row.megabytesPerSecond.median.toFixed(1),
      ms(row.p50.median),
      ms(row.p99.median),
      `${row.partitionsHit} of ${PARTITIONS}`,
      row.ackCheck,
    ]),
  };
}
