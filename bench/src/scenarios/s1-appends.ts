/**
 * Scenario 1 (@rivulet/load's definition) on each server: durable appends of 256 B JSON from
 * 64 connections, over 1, 100 and 10k streams. Peak throughput from a closed loop, judged
 * against the trivial server's in the same run; latency from an open model at a fixed rate
 * (Rivulet at half its own peak, as the target says; the trivial server at the same rates, as
 * the floor this machine sets; the references at a share of their own peak). The minimal
 * durable server is a second reference row: what one O_DSYNC file with group commit allows,
 * the least any durable server must pay here; the verdict stays × trivial.
 */

import {
  type AppendsMeasurement,
  measureAppends,
  ms,
  type OpenLoopResult,
  percent,
  ratio,
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

interface OpenFigures {
  readonly rate: number;
  readonly runs: readonly OpenLoopResult[];
  readonly p50: Spread;
  readonly p99: Spread;
  readonly achieved: Spread;
}

interface Cell {
  readonly server: ServerId;
  readonly streams: number;
  readonly peak: Spread;
  readonly serverCpu: Spread;
  readonly generatorCpu: Spread;
  readonly otherCpu: Spread;
  readonly errors: number;
  readonly firstError?: string;
  readonly open: OpenFigures[];
}

/** Servers with no streams: one row for any stream count, measured at Rivulet's rates. */
const FLOORS: ReadonlySet<ServerId> = new Set(["trivial", "minimalDurable"]);

/** The targets: peak × trivial by stream count (issue 19), and p99 at half the peak. */
const PEAK_TARGET: Readonly<Record<number, number>> = { 1: 0.7, 100: 0.7, 10000: 0.5 };
const P99_TARGET_MS = 10;

export async function appendsScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const s = context.settings.appends;
  const cells: Cell[] = [];
  for (const server of s.servers) {
    const floor = FLOORS.has(server);
    await withServer(context, server, async (running) => {
      const measured = await measureAppends(
        onServer(context, running),
        // The trivial and minimal durable servers do no routing: one stream count is all of it.
        { ...s, streamCounts: floor ? [s.streamCounts[0]!] : s.streamCounts },
        {
          createStreams: !floor,
          rates: (_streams, peak) => openRates(server, peak.median, s, rivuletRates(cells)),
        },
      );
      cells.push(...measured.map((measurement) => cellOf(server, measurement)));
    });
  }
  return {
    id: "s1",
    title: "1. Durable appends, 256 B JSON, 64 connections",
    tables: [peakTable(cells, s.streamCounts), latencyTable(cells)],
    verdicts: verdicts(cells, s.streamCounts, context.settings.quick),
    notes: [
      `Peak: closed loop, ${s.connections} connections (undici Pool, keep-alive, no pipelining), ${s.peakSeconds} s per run after ${s.warmupSeconds} s of unrecorded load; appends rotate over the streams.`,
      `Latency: open model, requests due at a fixed rate for ${s.openSeconds} s (after ${s.warmupSeconds} s at the same rate, unrecorded), latency measured from each request's intended send time (HdrHistogram), so queueing behind a slow server counts.`,
      `Rivulet is measured at ${Math.round(s.latencyLoad * 100)}% of its own median peak (the target's "half the peak rate"); the references at ${Math.round(s.referenceLoad * 100)}% of theirs.`,
      "The trivial server does no routing or storage, so its row is the same for any stream count ('any'); its latency is taken at the rates Rivulet was measured at, as the floor this generator and machine set at that load.",
      "The minimal durable server (bench/src/servers/minimal-durable-server.mjs) appends every body to one preallocated O_DSYNC file with group commit and answers once the write holding it returned: no routing, no streams, no index, no checksums. It is the ceiling for any durable server on this machine and disk; like the trivial server it has one row ('any') and is measured at Rivulet's rates.",
      ...caveats(cells),
    ],
    data: {
      cells: cells.map(({ open, ...rest }) => ({
        ...rest,
        open: open.map(({ runs, ...o }) => ({ ...o, runs: runs.map(stripCurve) })),
      })),
    },
    seconds: (performance.now() - started) / 1000,
  };
}

function openRates(
  server: ServerId,
  peak: number,
  s: { latencyLoad: number; referenceLoad: number },
  rivulet: number[],
): number[] {
  const share = (load: number) => Math.max(10, Math.round(peak * load));
  if (server === "rivulet") return [share(s.latencyLoad)];
  // The trivial and minimal durable servers take Rivulet's rates: the floors at the same load.
  if (FLOORS.has(server)) return rivulet.length > 0 ? rivulet : [share(s.latencyLoad)];
  return [share(s.referenceLoad)];
}

/** The rates Rivulet was measured at (one per stream count), highest first, without repeats. */
function rivuletRates(cells: readonly Cell[]): number[] {
  const rates = cells.filter((c) => c.server === "rivulet").flatMap((c) => c.open.map((o) => o.rate));
  return [...new Set(rates)].sort((a, b) => b - a);
}

/** Plain statements about what limited a figure, derived from the data. */
function caveats(cells: readonly Cell[]): string[] {
  const notes: string[] = [];
  for (const open of cells.find((c) => c.server === "trivial")?.open ?? []) {
    if (open.p99.median <= P99_TARGET_MS) continue;
    notes.push(
      `At ${shortPerSecond(open.rate)} offered even the trivial server answers with p99 ${ms(open.p99.median)}: at that rate the generator sharing 2 vCPUs sets a floor above the target for any server.`,
    );
  }
  for (const cell of cells.filter((c) => c.errors > 0)) {
    notes.push(
      `${SERVER_KINDS[cell.server].label}, ${shortCount(cell.streams)} streams: ${cell.errors} errors; first: ${cell.firstError}.`,
    );
  }
  return notes;
}

function cellOf(server: ServerId, { streams, peaks, peak, open: opens }: AppendsMeasurement): Cell {
  const open = opens.map(({ rate, runs }) => ({
    rate,
    runs,
    p50: spread(runs.map((r) => r.latency.p50)),
    p99: spread(runs.map((r) => r.latency.p99)),
    achieved: spread(runs.map((r) => r.achievedPerSecond)),
  }));
  const all = [...peaks, ...opens.flatMap((o) => o.runs)];
  const firstError = all.find((r) => r.firstError !== undefined)?.firstError;
  return {
    server,
    streams,
    peak,
    serverCpu: spread(peaks.map((r) => r.cpu.serverPercent)),
    generatorCpu: spread(peaks.map((r) => r.cpu.generatorPercent)),
    otherCpu: spread(peaks.map((r) => r.cpu.otherPercent)),
    errors: all.reduce((sum, r) => sum + r.errors, 0),
    ...(firstError === undefined ? {} : { firstError }),
    open,
  };
}

function find(cells: readonly Cell[], server: ServerId, streams: number): Cell | undefined {
  return cells.find((c) => c.server === server && (c.streams === streams || FLOORS.has(server)));
}

function peakTable(cells: readonly Cell[], streamCounts: readonly number[]): Table {
  const rows: string[][] = [];
  for (const streams of streamCounts) {
    const refFile = find(cells, "refFile", streams)?.peak.median ?? Number.NaN;
    const refMemory = find(cells, "refMemory", streams)?.peak.median ?? Number.NaN;
    const trivial = find(cells, "trivial", streams)?.peak.median ?? Number.NaN;
    const durable = find(cells, "minimalDurable", streams)?.peak.median ?? Number.NaN;
    const shown = [
      ...cells.filter((c) => !FLOORS.has(c.server) && c.streams === streams),
      ...cells.filter((c) => FLOORS.has(c.server)),
    ];
    for (const cell of shown) {
      const kind = SERVER_KINDS[cell.server];
      rows.push([
        FLOORS.has(cell.server) ? "any" : shortCount(streams),
        kind.label,
        kind.durability,
        spreadOf(cell.peak, shortPerSecond),
        percent(cell.serverCpu.median),
        percent(cell.generatorCpu.median),
        percent(cell.otherCpu.median),
        cell.server === "refFile" ? "1×" : times(ratio(cell.peak.median, refFile)),
        cell.server === "refMemory" ? "1×" : times(ratio(cell.peak.median, refMemory)),
        cell.server === "trivial" ? "1×" : times(ratio(cell.peak.median, trivial)),
        cell.server === "minimalDurable" ? "1×" : times(ratio(cell.peak.median, durable)),
        String(cell.errors),
      ]);
    }
  }
  return {
    title: "Peak throughput (closed loop)",
    columns: [
      "streams",
      "server",
      "durability",
      "appends/s, median (min–max)",
      "server CPU",
      "generator CPU",
      "other CPU",
      "× ref file",
      "× ref memory",
      "× trivial",
      "× minimal durable",
      "errors",
    ],
    rows,
    notes: [
      "errors: non-2xx answers and failed requests over all runs (peak and latency). CPU is a percentage of one core over the run (the machine has 2 vCPUs, so 200% in all). 'other' is everything else the machine ran meanwhile (other processes, kernel work not charged to either): high values mean the figure was taken under contention.",
    ],
  };
}

function latencyTable(cells: readonly Cell[]): Table {
  const rows: string[][] = [];
  for (const cell of cells) {
    const refFile = find(cells, "refFile", cell.streams);
    for (const open of cell.open) {
      rows.push([
        FLOORS.has(cell.server) ? "any" : shortCount(cell.streams),
        SERVER_KINDS[cell.server].label,
        shortPerSecond(open.rate),
        spreadOf(open.achieved, shortPerSecond),
        spreadOf(open.p50, ms),
        spreadOf(open.p99, ms),
        String(open.runs.reduce((sum, r) => sum + r.unfinished, 0)),
        cell.server === "refFile" ? "1×" : times(ratio(refFile?.open[0]?.p99.median ?? Number.NaN, open.p99.median)),
      ]);
    }
  }
  return {
    title: "Latency under a fixed arrival rate (open model)",
    columns: [
      "streams",
      "server",
      "offered rate",
      "answered/s",
      "p50",
      "p99",
      "unanswered at the end",
      "ref file p99 ÷ this p99",
    ],
    rows,
    notes: [
      "Latencies are medians of the runs' percentiles; the last column is how many times lower this p99 is than the file-backed reference's (at its own, lower, rate).",
    ],
  };
}

function verdicts(cells: readonly Cell[], streamCounts: readonly number[], quick: boolean): Verdict[] {
  const trivial = find(cells, "trivial", 1);
  const durable = find(cells, "minimalDurable", 1);
  return streamCounts.map((streams) => {
    const wanted = PEAK_TARGET[streams] ?? 0.7;
    const target = `${shortCount(streams)} stream(s): peak ≥ ${wanted}× trivial; p99 ≤ ${P99_TARGET_MS} ms at half the peak (fsync)`;
    const cell = cells.find((c) => c.server === "rivulet" && c.streams === streams);
    if (!cell || !trivial) return { target, measured: "not measured", pass: null };
    const share = cell.peak.median / trivial.peak.median;
    const half = cell.open[0];
    const latency = half ? `; p99 ${ms(half.p99.median)} at ${shortPerSecond(half.rate)}` : "";
    const reference = durable
      ? ` (${times(cell.peak.median / durable.peak.median)} minimal durable, ${shortPerSecond(durable.peak.median)})`
      : "";
    const measured = `peak ${shortPerSecond(cell.peak.median)} = ${times(share)} trivial (${shortPerSecond(trivial.peak.median)})${reference}${latency}`;
    const pass = quick ? null : share >= wanted && half !== undefined && half.p99.median <= P99_TARGET_MS;
    return { target, measured, pass };
  });
}

function stripCurve(
  run: OpenLoopResult,
): Omit<OpenLoopResult, "latency"> & { latency: Omit<OpenLoopResult["latency"], "curve"> } {
  const { curve: _curve, ...latency } = run.latency;
  return { ...run, latency };
}
