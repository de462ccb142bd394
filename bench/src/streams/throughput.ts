/**
 * Stream-processing throughput: records per second through `kafka.stream(…)` applications —
 * filter → map → to, and a 1-minute tumbling count per key (through a repartition topic and a
 * changelog) — exactly-once and at-least-once, with one and two instances. A standalone
 * program that prints a Markdown table:
 *
 *   npx tsx bench/src/streams/throughput.ts [records]
 *
 * The server runs in this process on a memory store (figures measure the processing path, not
 * the disk); instances are applications in this process too, sharing its event loop and the
 * machine's 2 vCPUs with the server, so two instances show the cost of coordination more than
 * any gain in parallelism.
 */
import { Kafka, tumbling } from "@rivulet/kafka";
import { MemoryStore, startServer } from "@rivulet/server";

const RECORDS = Number(process.argv[2] ?? 20_000);
const PARTITIONS = 4;
const KEYS = 100;

type Shape = "filter-map-to" | "tumbling-count";
type Processing = "exactly-once" | "at-least-once";

async function measure(kafka: Kafka, shape: Shape, processing: Processing, instances: number): Promise<number> {
  const id = `${shape}-${processing}-${instances}-${Date.now().toString(36)}`;
  const input = `${id}-in`;
  const output = `${id}-out`;
  await kafka.admin().createTopic(input, { partitions: PARTITIONS });
  await kafka.admin().createTopic(output, { partitions: PARTITIONS });
  const producer = kafka.producer(input, { lingerMs: 5 });
  const batch = Array.from({ length: RECORDS }, (_, i) => ({
    key: `k${i % KEYS}`,
    value: { n: i, amount: i % 200 },
    timestamp: 1_700_000_000_000 + i * 10,
  }));
  await producer.sendBatch(batch);
  await producer.close();
  // The input is written first: the figure is the processing rate of a backlog.
  const expected = shape === "filter-map-to" ? batch.filter((r) => r.value.amount > 100).length : RECORDS;
  let seen = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const started = performance.now();
  const apps = Array.from({ length: instances }, () => {
    const source = kafka.stream<{ n: number; amount: number }>(input, {
      applicationId: id,
      offset: "earliest",
      processing,
    });
    const counted = (
      shape === "filter-map-to"
        ? source.filter((v) => v.amount > 100).map((v) => ({ ...v, tier: "premium" }))
        : source
            .window(tumbling("1m"))
            .groupBy((_v, r) => r.key ?? "")
            .count()
            .toStream()
    ).peek(() => {
      seen += 1;
      if (seen === expected) finished();
    });
    return counted.to(output);
  });
  await done;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(apps.map((app) => app.close()));
  return RECORDS / seconds;
}

const server = await startServer({ port: 0, store: new MemoryStore() });
const kafka = new Kafka({ url: server.url });
const lines = [
  `Stream processing, ${RECORDS.toLocaleString("en-US")} records on ${PARTITIONS} partitions, ${KEYS} keys (memory store, one process)`,
  "",
  "| Topology | Processing | Instances | Input records/s |",
  "| --- | --- | ---: | ---: |",
];
for (const shape of ["filter-map-to", "tumbling-count"] as const) {
  for (const processing of ["exactly-once", "at-least-once"] as const) {
    for (const instances of [1, 2]) {
      const rate = await measure(kafka, shape, processing, instances);
      lines.push(`| ${shape} | ${processing} | ${instances} | ${Math.round(rate).toLocaleString("en-US")} |`);
      process.stderr.write(`${lines.at(-1)}\n`);
    }
  }
}
await server.close();
process.stdout.write(`${lines.join("\n")}\n`);
