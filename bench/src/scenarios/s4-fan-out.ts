/**
 * Scenario 4 (@rivulet/load's definition) on each server: live fan-out on one stream. 1k and 10k SSE subscribers and long-poll waiters,
 * one append per second; delivery latency from the append to each subscriber. Then the
 * highest append rate that 1k SSE subscribers keep up with. (Scenario 6's memory figures
 * come from the same connections.)
 */

import {
  ACCEPT_COMPRESSED,
  deliveryWaitMs,
  type FanOutGroup,
  LIVE_MODES,
  measureFanOut,
  medianRun,
  ms,
  type RampMeasurement,
  ratio,
  rssPerReader,
  shortCount,
  shortPerSecond,
  spread,
  spreadOf,
  times,
} from "@rivulet/load";
import type { ScenarioResult, ServerId, Table, Verdict } from "../core/types.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import { onServer, type ScenarioContext, withServer } from "./context.js";
import type { FanOutCell, FanOutData, RampCell } from "./fan-out-types.js";

export async function fanOutScenario(context: ScenarioContext): Promise<{ result: ScenarioResult; data: FanOutData }> {
  const started = performance.now();
  const s = context.settings.fanOut;
  const cells: FanOutCell[] = [];
  const compressed: FanOutCell[] = [];
  const ramps: RampCell[] = [];
  for (const server of s.servers) {
    // The compression variant compares Rivulet with itself, and with the trivial fan-out.
    const { compression: _compression, ...withoutCompression } = s;
    const sizes = server === "rivulet" || server === "trivial" ? s : withoutCompression;
    await withServer(context, server, async (running) => {
      const measured = await measureFanOut(onServer(context, running), sizes);
      cells.push(...measured.groups.map((group) => latencyCell(server, group)));
      compressed.push(...measured.compression.map((group) => latencyCell(server, group)));
      ramps.push(rampCell(server, measured.ramp));
    });
  }
  const data: FanOutData = { cells, ramps };
  const result: ScenarioResult = {
    id: "s4",
    title: "4. Live fan-out on one stream",
    tables: [
      latencyTable(cells, deliveryWaitMs(s.intervalMs)),
      ...(compressed.length > 0 ? [compressionTable(compressed)] : []),
      rampTable(ramps, s.rampP99LimitMs),
    ],
    verdicts: [
      ...verdicts(cells, ramps, context.settings.quick),
      ...compressionVerdicts(compressed, context.settings.quick),
    ],
    notes: [
      `One stream; subscribers attach at its tail over raw keep-alive sockets from one generator process; one ${s.messageBytes} B JSON message is appended every ${s.intervalMs} ms. Latency runs from the append's intended send time (so it includes the append's own fsync) to the moment the generator has parsed the message on a subscriber's socket.`,
      `Each figure is the median (min–max) of ${context.settings.runs} measurement windows of ${s.appendsPerRun} appends over the same connected subscribers; a warm-up message before the windows proves every subscriber is attached.`,
      "'every subscriber' is the time until the last subscriber had the message (median over the window's appends).",
      "The generator process parses every delivery on the same 2 vCPUs as the server; with 10k subscribers its own work is part of the figure.",
      `A window waits up to ${deliveryWaitMs(s.intervalMs) / 1000} s after its last append for missing deliveries; 'delivered' counts what arrived by then (the latency columns only cover those).`,
      `Highest rate held: the append rate steps up (${s.rampRates.join(", ")}/s, ${s.rampStepSeconds} s each) until a step is not held: held = every subscriber received every message of the step within 2 s after it, no append failed, and p99 delivery ≤ ${s.rampP99LimitMs} ms (latency stays bounded instead of building a backlog). SSE only. The trivial server writes one event per append and never batches, so at high rates it is not a ceiling for servers that batch.`,
    ],
    data: {
      cells: cells.map(({ curve: _curve, ...cell }) => cell),
      compression: compressed.map(({ curve: _curve, ...cell }) => cell),
      ramps,
    },
    seconds: (performance.now() - started) / 1000,
  };
  return { result, data };
}

function latencyCell(server: ServerId, { mode, subscribers, variant, result }: FanOutGroup): FanOutCell {
  const windows = result.runs;
  // Windows in which nothing arrived have no percentiles; the delivered count shows them.
  const measured = windows.filter((w) => w.latency.count > 0);
  const middle = medianRun(measured, (w) => w.latency.p99);
  return {
    server,
    mode,
    subscribers,
    ...(variant ? { acceptEncoding: variant.acceptEncoding ?? "", messageBytes: variant.messageBytes } : {}),
    attached: result.attached,
    p50: spread(measured.map((w) => w.latency.p50)),
    p99: spread(measured.map((w) => w.latency.p99)),
    everyone: spread(
      windows.map((w) => spread(w.everyoneMs.map((v) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v))).median),
    ),
    delivered: windows.reduce((sum, w) => sum + w.delivered, 0),
    expected: windows.reduce((sum, w) => sum + w.expected, 0),
    rssPerSubscriberBytes: rssPerReader(result),
    connectSeconds: result.connectSeconds,
    reconnects: result.reconnects,
    failures: result.failures,
    ...(result.firstFailure === undefined ? {} : { firstFailure: result.firstFailure }),
    curve: middle?.latency.curve ?? [],
  };
}

function rampCell(server: ServerId, { mode, subscribers, runs }: RampMeasurement): RampCell {
  const middle = medianRun(runs, (r) => r.highestHeld)!;
  return {
    server,
    mode,
    subscribers,
    highestHeld: spread(runs.map((r) => r.highestHeld)),
    steps: middle.steps.map((step) => ({
      rate: step.rate,
      p99: step.latency.p99,
      delivered: step.delivered,
      expected: step.expected,
      held: step.held,
      serverCpu: step.cpu.serverPercent,
      generatorCpu: step.cpu.generatorPercent,
    })),
  };
}

function latencyTable(cells: readonly FanOutCell[], waitMs: number): Table {
  const none = `none within ${waitMs / 1000} s`;
  return {
    title: "Delivery latency, one append per second",
    columns: [
      "mode",
      "subscribers",
      "server",
      "p50",
      "p99",
      "every subscriber",
      "delivered",
      "ref file p99 ÷ this",
      "ref memory p99 ÷ this",
      "this ÷ trivial p99",
    ],
    rows: cells.map((cell) => {
      const ref = (server: ServerId) =>
        cells.find((c) => c.server === server && c.mode === cell.mode && c.subscribers === cell.subscribers)?.p99
          .median ?? Number.NaN;
      return [
        cell.mode === "sse" ? "SSE" : "long-poll",
        shortCount(cell.subscribers),
        SERVER_KINDS[cell.server].label,
        cell.delivered === 0 ? none : spreadOf(cell.p50, ms),
        cell.delivered === 0 ? none : spreadOf(cell.p99, ms),
        cell.delivered < cell.expected ? "not all delivered" : spreadOf(cell.everyone, ms),
        `${cell.delivered}/${cell.expected}`,
        cell.server === "refFile" ? "1×" : times(ratio(ref("refFile"), cell.p99.median)),
        cell.server === "refMemory" ? "1×" : times(ratio(ref("refMemory"), cell.p99.median)),
        cell.server === "trivial" ? "1×" : times(ratio(cell.p99.median, ref("trivial"))),
      ];
    }),
    notes: [
      "Rivulet is durable (fsync before the append is acknowledged and fanned out). 'ref … ÷ this': how many times lower this p99 is than the reference's. 'this ÷ trivial': this p99 over the trivial fan-out's (no storage, no protocol: each POST body is written to every reader), which is the floor set by the machine and the generator.",
    ],
  };
}

/** Same readers and messages with and without `Accept-Encoding: gzip, br`, per server and mode. */
function compressionTable(cells: readonly FanOutCell[]): Table {
  const plain = (cell: FanOutCell) =>
    cells.find((c) => c.server === cell.server && c.mode === cell.mode && c.acceptEncoding === "");
  const rows = cells
    .filter((cell) => cell.acceptEncoding === ACCEPT_COMPRESSED)
    .map((cell) => {
      const without = plain(cell);
      return [
        cell.mode === "sse" ? "SSE" : "long-poll",
        shortCount(cell.subscribers),
        `${cell.messageBytes} B`,
        SERVER_KINDS[cell.server].label,
        without ? spreadOf(without.p99, ms) : "–",
        spreadOf(cell.p99, ms),
        `${cell.delivered}/${cell.expected}`,
        without ? times(ratio(cell.p99.median, without.p99.median)) : "–",
      ];
    });
  return {
    title: `With compression (readers send Accept-Encoding: ${ACCEPT_COMPRESSED})`,
    columns: [
      "mode",
      "subscribers",
      "message",
      "server",
      "p99 without",
      "p99 with",
      "delivered (with)",
      "with ÷ without p99",
    ],
    rows,
    notes: [
      "The same server, readers and JSON messages, once without Accept-Encoding and once with it. Long-poll answers past Rivulet's 1 KiB threshold are compressed (br, quality 4, on the thread pool) once per append and encoding, and every waiter gets those bytes. SSE events are not compressed: an event stream's compression context would be per connection (no bytes to share, and a zlib context per subscriber), so an SSE reader that accepts gzip or br gets identity. The trivial server compresses a long-poll body once per append (br quality 4, or gzip, synchronously) for every waiter that accepts it, and writes SSE events as they are. A long-poll reader stamps an answer when its last byte is read and decodes a compressed one once answers stop arriving: decoding a thousand bodies in the generator while the answers arrive would take the two vCPUs from the server's writes.",
    ],
  };
}

function compressionVerdicts(cells: readonly FanOutCell[], quick: boolean): Verdict[] {
  const out: Verdict[] = [];
  for (const mode of LIVE_MODES) {
    const find = (accept: string) =>
      cells.find((c) => c.server === "rivulet" && c.mode === mode && c.acceptEncoding === accept);
    const withIt = find(ACCEPT_COMPRESSED);
    const without = find("");
    if (!withIt || !without) continue;
    const factor = ratio(withIt.p99.median, without.p99.median);
    out.push({
      target: `${shortCount(withIt.subscribers)} ${mode === "sse" ? "SSE" : "long-poll"}, Accept-Encoding: ${ACCEPT_COMPRESSED}: p99 ≤ 1.3× without`,
      measured: `p99 ${ms(withIt.p99.median)} vs ${ms(without.p99.median)} (${times(factor)}), ${withIt.delivered}/${withIt.expected} delivered`,
      pass: quick ? null : factor <= 1.3 && withIt.delivered === withIt.expected,
    });
  }
  return out;
}

function rampTable(ramps: readonly RampCell[], limitMs: number): Table {
  return {
    title: "Highest append rate held",
    columns: [
      "mode",
      "subscribers",
      "server",
      "highest rate held, median (min–max)",
      "steps of the median run (rate: p99, held (server CPU / generator CPU))",
    ],
    rows: ramps.map((ramp) => [
      ramp.mode === "sse" ? "SSE" : "long-poll",
      shortCount(ramp.subscribers),
      SERVER_KINDS[ramp.server].label,
      spreadOf(ramp.highestHeld, shortPerSecond),
      ramp.steps.map(rampStep).join("; "),
    ]),
    notes: [
      `held = all delivered, no failed append, p99 ≤ ${limitMs} ms; appends go out on 64 connections. In brackets, the CPU of the server and of the generator during the step, in % of one core: a side near 100 % was the limit (the generator's readers and appender share one process).`,
    ],
  };
}

function rampStep(step: RampCell["steps"][number]): string {
  const cpu = Number.isNaN(step.serverCpu)
    ? ""
    : ` (${step.serverCpu.toFixed(0)} % / ${step.generatorCpu.toFixed(0)} %)`;
  return `${step.rate}: ${ms(step.p99)} ${step.held ? "✓" : "✗"}${cpu}`;
}

/** Issue 19: p99 against the trivial fan-out's in the same run, and the rate 1k SSE holds. */
const P99_TARGET = { sse: 1.2, "long-poll": 1.3 } as const;
const HELD_RATE_TARGET = 2_000;

function verdicts(cells: readonly FanOutCell[], ramps: readonly RampCell[], quick: boolean): Verdict[] {
  const out: Verdict[] = [];
  for (const subscribers of [1000, 10_000]) {
    for (const mode of LIVE_MODES) {
      const find = (server: ServerId) =>
        cells.find((c) => c.server === server && c.mode === mode && c.subscribers === subscribers);
      const cell = find("rivulet");
      const trivial = find("trivial");
      const target = `${shortCount(subscribers)} ${mode === "sse" ? "SSE" : "long-poll"}: p99 ≤ ${P99_TARGET[mode]}× trivial`;
      if (!cell || !trivial) {
        out.push({ target, measured: "not measured", pass: null });
        continue;
      }
      const factor = ratio(cell.p99.median, trivial.p99.median);
      out.push({
        target,
        measured: `p50 ${ms(cell.p50.median)}, p99 ${ms(cell.p99.median)} = ${times(factor)} trivial (${ms(trivial.p99.median)}), ${cell.delivered}/${cell.expected} delivered`,
        pass: quick ? null : factor <= P99_TARGET[mode] && cell.delivered === cell.expected,
      });
    }
  }
  const ramp = ramps.find((r) => r.server === "rivulet" && r.mode === "sse");
  if (ramp) {
    out.push({
      target: `${shortCount(ramp.subscribers)} SSE: holds ≥ ${shortCount(HELD_RATE_TARGET)} appends/s`,
      measured: `highest rate held ${shortPerSecond(ramp.highestHeld.median)}`,
      pass: quick ? null : ramp.highestHeld.median >= HELD_RATE_TARGET,
    });
  }
  return out;
}
