/**
 * Scenario 11 (@rivulet/load's definition), Rivulet only: append latency at a fixed rate while
 * retention frees the head of a large stream, against the same load with nothing else going on
 * (docs/extensions.md, "Retention").
 */
import {
  bytes,
  measureReclaimAppends,
  ms,
  percent,
  perSecond,
  ratio,
  type Spread,
  spread,
  spreadOf,
} from "@rivulet/load";
import type { ScenarioResult, Table, Verdict } from "../core/types.js";
import { onServer, type ScenarioContext, withServer } from "./context.js";

/** The issue's target: p99 while reclaiming at most this much above the quiet one. */
const P99_GROWTH = 0.2;

export async function reclaimAppendsScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const s = context.settings.reclaim;
  const runs = await withServer(context, "rivulet", (running) => measureReclaimAppends(onServer(context, running), s), {
    serveFlags: ["--segment-size", String(s.unitBytes)],
  });
  const of = (pick: (run: (typeof runs)[number]) => number): Spread => spread(runs.map(pick));
  const quiet = { p50: of((r) => r.quiet.latency.p50), p99: of((r) => r.quiet.latency.p99) };
  const reclaiming = { p50: of((r) => r.reclaiming.latency.p50), p99: of((r) => r.reclaiming.latency.p99) };
  const growth = of((r) => ratio(r.reclaiming.latency.p99, r.quiet.latency.p99) - 1);
  const freed = of((r) => r.reclaim.freedBytes);
  const reclaimSeconds = of((r) => r.reclaim.seconds);
  const errors = runs.reduce(
    (sum, r) => sum + r.quiet.errors + r.reclaiming.errors + r.quiet.unfinished + r.reclaiming.unfinished,
    0,
  );
  const complete = runs.every((r) => r.reclaim.complete);
  const table: Table = {
    title: `Append latency at ${perSecond(s.rate)} (${s.bodyBytes} B JSON, ${s.connections} connections, ${s.streams} streams)`,
    columns: ["while", "p50, median (min–max)", "p99, median (min–max)", "achieved"],
    rows: [
      [
        "nothing else runs",
        spreadOf(quiet.p50, ms),
        spreadOf(quiet.p99, ms),
        perSecond(spread(runs.map((r) => r.quiet.achievedPerSecond)).median),
      ],
      [
        `retention frees ${bytes(freed.median)}`,
        spreadOf(reclaiming.p50, ms),
        spreadOf(reclaiming.p99, ms),
        perSecond(spread(runs.map((r) => r.reclaiming.achievedPerSecond)).median),
      ],
    ],
  };
  const reclaimTable: Table = {
    title: "The reclaim",
    columns: ["freed, median", "took, median (min–max)", "p99 change, median (min–max)", "run order"],
    rows: [
      [
        bytes(freed.median),
        spreadOf(reclaimSeconds, (n) => ms(n * 1000)),
        spreadOf(growth, (n) => `${n >= 0 ? "+" : ""}${percent(n * 100)}`),
        runs.map((r) => (r.quietFirst ? "quiet first" : "reclaim first")).join(", "),
      ],
    ],
  };
  const verdict: Verdict = {
    target: `append p99 while retention reclaims 1 GB: at most +${P99_GROWTH * 100}%`,
    measured: `${ms(reclaiming.p99.median)} vs ${ms(quiet.p99.median)} quiet (${growth.median >= 0 ? "+" : ""}${percent(growth.median * 100)}; ${bytes(freed.median)} freed in ${ms(reclaimSeconds.median * 1000)})`,
    pass: context.settings.quick || errors > 0 || !complete || freed.median < 1e9 ? null : growth.median <= P99_GROWTH,
  };
  return {
    id: "s11",
    title: "11. Appends while retention reclaims",
    tables: [table, reclaimTable],
    verdicts: [verdict],
    notes: [
      `Each run fills a byte stream with ${bytes(s.reclaimBytes + s.unitBytes)} (${bytes(s.requestBytes)} appends), ${s.settleSeconds > 0 ? `runs the append load ${s.settleSeconds} s unrecorded (the fill's write-back slows fsyncs meanwhile), ` : ""}then measures it ${s.seconds} s without and ${s.seconds} s with the reclaim (which goes first alternates from run to run). The reclaim sets the stream's retention to 1 MiB through PATCH {base}/__ds/streams/{path} just as the measured seconds start; the background reclaimer frees whole segments, ${bytes(s.unitBytes)} each (\`--segment-size\`), at most 4 per 1 s tick.`,
      "Latency is the open model's: each append is due at a fixed time whatever the answers, and counted from that time, so queueing counts.",
      `Durability: fsync (every 2xx after the write-ahead log is fdatasynced). Errors and unanswered appends over all runs: ${errors}.`,
    ],
    data: { quiet, reclaiming, growth, freed, reclaimSeconds, errors, complete, runs },
    seconds: (performance.now() - started) / 1000,
  };
}
