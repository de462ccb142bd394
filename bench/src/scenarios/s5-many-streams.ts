/**
 * Scenario 5 (@rivulet/load's definition) on each server: many streams created durably (PUT, 64 connections): the creation rate, and the
 * server's RSS per idle stream: RSS after the creates minus RSS before, over the stream count.
 * A fresh server per run.
 */

import {
  bytes,
  measureCreates,
  ratio,
  repeat,
  type Spread,
  shortCount,
  shortPerSecond,
  spread,
  spreadOf,
  times,
} from "@rivulet/load";
import type { ScenarioResult, ServerId, Table, Verdict } from "../core/types.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import { onServer, type ScenarioContext, withServer } from "./context.js";

const TARGET_RATE = 5_000;
const TARGET_BYTES = 300;
const SERVERS: readonly ServerId[] = ["rivulet", "refFile", "refMemory", "trivial"];

interface Row {
  readonly server: ServerId;
  readonly streams: number;
  readonly rate: Spread;
  readonly rssPerStream: Spread;
  /** Rivulet only: RSS per stream once the process has been idle `idleSeconds`. */
  readonly rssPerIdleStream: Spread | undefined;
  readonly errors: number;
  readonly retries: number;
}

const WARMUP_STREAMS = 200;

export async function manyStreamsScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const s = context.settings.manyStreams;
  const rows: Row[] = [];
  for (const server of SERVERS) {
    const streams = s.streams[server];
    if (streams === undefined) continue;
    const runs = await repeat(context.settings.runs, () =>
      withServer(
        context,
        server,
        (running) =>
          // A warm-up first: the server's code paths warm, its RSS settled before the measured creates.
          measureCreates(onServer(context, running), {
            streams,
            connections: s.connections,
            warmupStreams: WARMUP_STREAMS,
            settleSeconds: s.settleSeconds,
            ...(server === "rivulet" && s.idleSeconds !== undefined ? { idleSeconds: s.idleSeconds } : {}),
          }),
        // Rivulet holds at most 1M streams by default: room for the warm-up on top of a million.
        { serveFlags: ["--max-streams", String(streams + WARMUP_STREAMS)] },
      ),
    );
    rows.push({
      server,
      streams,
      rate: spread(runs.map((r) => r.perSecond)),
      rssPerStream: spread(runs.map((r) => r.rssPerStreamBytes)),
      rssPerIdleStream: runs.every((r) => Number.isFinite(r.rssPerIdleStreamBytes))
        ? spread(runs.map((r) => r.rssPerIdleStreamBytes))
        : undefined,
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
      retries: runs.reduce((sum, r) => sum + r.retries, 0),
    });
  }
  return {
    id: "s5",
    title: "5. Many streams created durably",
    tables: [table(rows, s)],
    verdicts: verdicts(rows, context.settings.quick),
    notes: [
      `Creates are empty JSON streams, PUT from a closed loop of ${s.connections} connections; each 201 means the stream is durable under the server's mode.`,
      `Streams per run: ${Object.entries(s.streams)
        .map(([id, n]) => `${SERVER_KINDS[id as ServerId].label} ${shortCount(n)}`)
        .join(
          ", ",
        )}. A full run gives Rivulet 1M, the size its memory target is stated for. The file-backed reference fsyncs per create, so it gets fewer (at ~1k creates/s, 100k would take minutes); its RSS includes its LMDB memory map's touched pages. The others get fewer only to keep the run short.`,
      `RSS per stream: VmRSS ${s.settleSeconds} s after the last create minus VmRSS before the creates (after a ${WARMUP_STREAMS}-stream warm-up), over the streams created; the same settle for every server. It is longer than Rivulet's idle eviction (an unused stream leaves its engine one to two seconds after its last use), so the streams measured are idle ones. V8 collects garbage when it likes, so this is an upper bound.`,
      ...(s.idleSeconds === undefined
        ? []
        : [
            `Rivulet's RSS is read again ${s.idleSeconds} s after the last create, with no request in between: V8 keeps the young generation the creates grew until the process has been idle for most of a minute, then gives it back. The target is read from this idle figure; "RSS × ref memory" compares the ${s.settleSeconds} s readings, taken alike for both.`,
          ]),
      "The trivial server answers 204 to every PUT and stores nothing: its rate is the ceiling for the request pattern, its RSS per stream is noise.",
    ],
    data: { rows },
    seconds: (performance.now() - started) / 1000,
  };
}

function table(rows: readonly Row[], readings: { settleSeconds: number; idleSeconds?: number }): Table {
  const of = (server: ServerId) => rows.find((r) => r.server === server);
  return {
    title: "Creation rate and memory per idle stream",
    columns: [
      "server",
      "durability",
      "streams",
      "creates/s, median (min–max)",
      `RSS per stream, ${readings.settleSeconds} s after`,
      `RSS per stream, ${readings.idleSeconds ?? "–"} s after (idle)`,
      "rate × ref file",
      "rate × ref memory",
      "rate × trivial",
      "RSS × ref memory",
      "failed (retried)",
    ],
    rows: rows.map((row) => [
      SERVER_KINDS[row.server].label,
      SERVER_KINDS[row.server].durability,
      shortCount(row.streams),
      spreadOf(row.rate, shortPerSecond),
      row.server === "trivial" ? "n/a" : spreadOf(row.rssPerStream, bytes),
      row.rssPerIdleStream ? spreadOf(row.rssPerIdleStream, bytes) : "n/a",
      row.server === "refFile" ? "1×" : times(ratio(row.rate.median, of("refFile")?.rate.median ?? Number.NaN)),
      row.server === "refMemory" ? "1×" : times(ratio(row.rate.median, of("refMemory")?.rate.median ?? Number.NaN)),
      row.server === "trivial" ? "1×" : times(ratio(row.rate.median, of("trivial")?.rate.median ?? Number.NaN)),
      row.server === "trivial"
        ? "n/a"
        : times(ratio(row.rssPerStream.median, of("refMemory")?.rssPerStream.median ?? Number.NaN)),
      `${row.errors} (${row.retries})`,
    ]),
  };
}

function verdicts(rows: readonly Row[], quick: boolean): Verdict[] {
  const row = rows.find((r) => r.server === "rivulet");
  if (!row)
    return [{ target: "creation rate ≥ 5k/s; ≤ 300 B RSS per idle stream", measured: "not measured", pass: null }];
  const idle = row.rssPerIdleStream ?? row.rssPerStream;
  return [
    {
      target: `creation rate ≥ ${shortPerSecond(TARGET_RATE)} (fsync)`,
      measured: `${shortPerSecond(row.rate.median)} over ${shortCount(row.streams)} streams`,
      pass: quick ? null : row.rate.median >= TARGET_RATE,
    },
    {
      target: `RSS per idle stream ≤ ${TARGET_BYTES} B at 1M streams (measured here at ${shortCount(row.streams)})`,
      measured: row.rssPerIdleStream
        ? `${bytes(row.rssPerIdleStream.median)} once idle (${bytes(row.rssPerStream.median)} just after the creates)`
        : bytes(row.rssPerStream.median),
      pass: quick ? null : idle.median <= TARGET_BYTES,
    },
  ];
}
