/**
 * Scenario 10 (@rivulet/load's definition), Rivulet only: on one large JSON stream, point-in-time
 * lookups (`HEAD ?at=`) and a catch-up read in the records view against the same read in the
 * plain view (docs/extensions.md). The reference has neither extension.
 */
import {
  bytes,
  type CatchUpResult,
  count,
  measureTimeAndRecords,
  megabytesPerSecond,
  ms,
  perSecond,
  ratio,
  type Spread,
  spread,
  spreadOf,
  times,
} from "@rivulet/load";
import type { ScenarioResult, Table, Verdict } from "../core/types.js";
import { onServer, type ScenarioContext, withServer } from "./context.js";

/** The issue's targets. */
const LOOKUP_P99_MS = 5;
const RECORDS_SHARE = 0.5;

interface ReadFigures {
  /** Stream bytes covered per second (MB = 10^6 B): the same bytes in both views. */
  readonly streamMegabytesPerSecond: Spread;
  /** Response bytes received per second. */
  readonly wireMegabytesPerSecond: Spread;
  readonly messagesPerSecond: Spread;
  readonly requests: number;
  readonly complete: boolean;
}

export async function timeAndRecordsScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const s = context.settings.timeAndRecords;
  const measured = await withServer(context, "rivulet", (running) =>
    measureTimeAndRecords(onServer(context, running), s),
  );
  const streamBytes = measured.fill.appendedBytes;
  const messages = Math.floor(s.requestBytes / (s.messageBytes + 1)) * measured.fill.requests;
  const figures = (reads: readonly CatchUpResult[]): ReadFigures => ({
    streamMegabytesPerSecond: spread(reads.map((r) => streamBytes / 1e6 / r.seconds)),
    wireMegabytesPerSecond: spread(reads.map((r) => r.megabytesPerSecond)),
    messagesPerSecond: spread(reads.map((r) => messages / r.seconds)),
    requests: reads[0]?.requests ?? 0,
    complete: reads.every((r) => r.complete),
  });
  const plain = figures(measured.plain);
  const records = figures(measured.records);
  const lookups = {
    p50: spread(measured.lookups.map((l) => l.latency.p50)),
    p99: spread(measured.lookups.map((l) => l.latency.p99)),
    max: spread(measured.lookups.map((l) => l.latency.max)),
    count: measured.lookups.reduce((sum, l) => sum + l.lookups, 0),
    errors: measured.lookups.reduce((sum, l) => sum + l.errors, 0),
    firstError: measured.lookups.find((l) => l.firstError)?.firstError,
    distinctOffsets: Math.min(...measured.lookups.map((l) => l.distinctOffsets)),
    spanMs: measured.lookups[0]?.spanMs ?? Number.NaN,
  };
  const heads = {
    p50: spread(measured.heads.map((l) => l.latency.p50)),
    p99: spread(measured.heads.map((l) => l.latency.p99)),
    max: spread(measured.heads.map((l) => l.latency.max)),
    count: measured.heads.reduce((sum, l) => sum + l.lookups, 0),
  };
  const share = ratio(records.streamMegabytesPerSecond.median, plain.streamMegabytesPerSecond.median);
  const lookupTable: Table = {
    title: `Point-in-time lookups, HEAD ?at= on a ${bytes(streamBytes)} JSON stream`,
    columns: [
      "request",
      "count",
      "p50, median (min–max)",
      "p99, median (min–max)",
      "max",
      "distinct offsets",
      "wrong answers",
    ],
    rows: [
      [
        "`HEAD ?at=<time>`",
        count(lookups.count),
        spreadOf(lookups.p50, ms),
        spreadOf(lookups.p99, ms),
        ms(lookups.max.max),
        count(lookups.distinctOffsets),
        count(lookups.errors),
      ],
      [
        "`HEAD` (no lookup)",
        count(heads.count),
        spreadOf(heads.p50, ms),
        spreadOf(heads.p99, ms),
        ms(heads.max.max),
        "–",
        "–",
      ],
    ],
  };
  const readTable: Table = {
    title: `Catch-up read of the same stream from -1 to the tail`,
    columns: ["view", "requests", "stream MB/s, median (min–max)", "response MB/s", "messages/s", "× plain"],
    rows: [
      ["plain (`?offset=`)", plain],
      ["records (`&view=records`)", records],
    ].map(([label, f]) => {
      const row = f as ReadFigures;
      return [
        label as string,
        count(row.requests),
        spreadOf(row.streamMegabytesPerSecond, megabytesPerSecond),
        megabytesPerSecond(row.wireMegabytesPerSecond.median),
        perSecond(row.messagesPerSecond.median),
        times(ratio(row.streamMegabytesPerSecond.median, plain.streamMegabytesPerSecond.median)),
      ];
    }),
  };
  const verdicts: Verdict[] = [
    {
      target: `\`?at=\` lookup on a 1 GB stream: p99 < ${LOOKUP_P99_MS} ms`,
      measured: `p99 ${ms(lookups.p99.median)}, p50 ${ms(lookups.p50.median)} (${bytes(streamBytes)} stream)`,
      pass: context.settings.quick ? null : lookups.errors === 0 && lookups.p99.median < LOOKUP_P99_MS,
    },
    {
      target: "records-view catch-up within 2× the plain JSON catch-up's MB/s",
      measured: `${megabytesPerSecond(records.streamMegabytesPerSecond.median)} vs ${megabytesPerSecond(plain.streamMegabytesPerSecond.median)} (${times(share)})`,
      pass: context.settings.quick ? null : records.complete && plain.complete && share >= RECORDS_SHARE,
    },
  ];
  return {
    id: "s10",
    title: "10. Point in time and the records view",
    tables: [lookupTable, readTable],
    verdicts,
    notes: [
      `The stream: ${s.messageBytes} B JSON messages appended ${bytes(s.requestBytes)} per request (${count(measured.fill.requests)} appends, each at its own time, over ${ms(measured.fill.seconds * 1000)}); its time index also has an entry every 4 KiB inside each append.`,
      `Lookups: one client, one HEAD at a time, at times spread evenly over the ${ms(lookups.spanMs)} from the first append to the lookups; latency is the whole HTTP round trip on loopback, from one kept-alive raw socket (an HTTP client library would add more than the lookup costs: 0.4 ms at the median, most of the p99); the plain HEADs of the same stream, taken just before or just after them (alternating from run to run), show what any HEAD costs on this machine. Every answer was checked to name a message appended at or after the time asked for${lookups.firstError ? ` (first wrong answer: ${lookups.firstError})` : ""}.`,
      "Catch-up: one reader following Stream-Next-Offset, plain and records runs in turn (which goes first alternates from run to run). Stream MB/s is the stream's bytes over the time to read all of it, the same figure for both views; a records response carries each message's offset, next offset, seq and time besides it, so it is larger.",
      "The stream's files are in the page cache (just written): the lookups measure the index search and the server, not a cold disk.",
    ],
    data: { lookups, heads, plain, records, share, fill: measured.fill, runs: measured },
    seconds: (performance.now() - started) / 1000,
  };
}
