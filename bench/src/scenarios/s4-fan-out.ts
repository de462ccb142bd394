/**
 * Scenario 4: live fan-out on one stream. 1k and 10k SSE subscribers and long-poll waiters,
 * one append per second; delivery latency from the append to each subscriber. Then the
 * highest append rate that 1k SSE subscribers keep up with. (Scenario 6's memory figures
 * come from the same connections.)
 */

import {
  type FanOutResult,
  type LiveMode,
  medianRun,
  ms,
  ratio,
  shortCount,
  shortPerSecond,
  spread,
  spreadOf,
  times,
} from "@rivulet/load";
import type { ScenarioResult, ServerId, Table, Verdict } from "../core/types.js";
import { runJob } from "../load/run-job.js";
import type { RunningServer } from "../servers/launch.js";
import { SERVER_KINDS } from "../servers/server-kinds.js";
import { repeat, type ScenarioContext, STREAM_BASE, withServer } from "./context.js";
import type { FanOutCell, FanOutData, RampCell } from "./fan-out-types.js";

const MODES: readonly LiveMode[] = ["sse", "long-poll"];

export async function fanOutScenario(context: ScenarioContext): Promise<{ result: ScenarioResult; data: FanOutData }> {
  const started = performance.now();
  const s = context.settings.fanOut;
  const cells: FanOutCell[] = [];
  const ramps: RampCell[] = [];
  for (const server of s.servers) {
    await withServer(context, server, async (running) => {
      for (const mode of MODES) {
        for (const subscribers of s.subscriberCounts)
          cells.push(await latencyCell(context, running, mode, subscribers));
      }
      ramps.push(await rampCell(context, running, "sse"));
    });
  }
  const data: FanOutData = { cells, ramps };
  const result: ScenarioResult = {
    id: "s4",
    title: "4. Live fan-out on one stream",
    tables: [latencyTable(cells, s.deliveryWaitMs), rampTable(ramps, s.rampP99LimitMs)],
    verdicts: verdicts(cells),
    notes: [
      `One stream; subscribers attach at its tail over raw keep-alive sockets from one generator process; one ${s.messageBytes} B JSON message is appended every ${s.intervalMs} ms. Latency runs from the append's intended send time (so it includes the append's own fsync) to the moment the generator has parsed the message on a subscriber's socket.`,
      `Each figure is the median (min–max) of ${context.settings.runs} measurement windows of ${s.appendsPerRun} appends over the same connected subscribers; a warm-up message before the windows proves every subscriber is attached.`,
      "'every subscriber' is the time until the last subscriber had the message (median over the window's appends).",
      "The generator process parses every delivery on the same 2 vCPUs as the server; with 10k subscribers its own work is part of the figure.",
      `A window waits up to ${s.deliveryWaitMs / 1000} s after its last append for missing deliveries; 'delivered' counts what arrived by then (the latency columns only cover those).`,
      `Highest rate held: the append rate steps up (${s.rampRates.join(", ")}/s, ${s.rampStepSeconds} s each) until a step is not held: held = every subscriber received every message of the step within 2 s after it, no append failed, and p99 delivery ≤ ${s.rampP99LimitMs} ms (latency stays bounded instead of building a backlog). SSE only. The trivial server writes one event per append and never batches, so at high rates it is not a ceiling for servers that batch.`,
    ],
    data: { cells: cells.map(({ curve: _curve, ...cell }) => cell), ramps },
    seconds: (performance.now() - started) / 1000,
  };
  return { result, data };
}

async function latencyCell(
  context: ScenarioContext,
  server: RunningServer,
  mode: LiveMode,
  subscribers: number,
): Promise<FanOutCell> {
  const s = context.settings.fanOut;
  context.log(`  fan-out: ${server.id}, ${shortCount(subscribers)} ${mode}`);
  const result: FanOutResult = await runJob(
    "fanOut",
    {
      origin: server.url,
      path: `${STREAM_BASE}fan-out-${mode}-${subscribers}`,
      mode,
      subscribers,
      runs: context.settings.runs,
      appendsPerRun: s.appendsPerRun,
      intervalMs: s.intervalMs,
      messageBytes: s.messageBytes,
      serverPid: server.pid,
      connectBatch: 500,
      attachTimeoutMs: 30_000,
      deliveryWaitMs: s.deliveryWaitMs,
    },
    300_000,
  );
  const windows = result.runs;
  // Windows in which nothing arrived have no percentiles; the delivered count shows them.
  const measured = windows.filter((w) => w.latency.count > 0);
  const middle = medianRun(measured, (w) => w.latency.p99);
  return {
    server: server.id,
    mode,
    subscribers,
    attached: result.attached,
    p50: spread(measured.map((w) => w.latency.p50)),
    p99: spread(measured.map((w) => w.latency.p99)),
    everyone: spread(
      windows.map((w) => spread(w.everyoneMs.map((v) => (Number.isNaN(v) ? Number.POSITIVE_INFINITY : v))).median),
    ),
    delivered: windows.reduce((sum, w) => sum + w.delivered, 0),
    expected: windows.reduce((sum, w) => sum + w.expected, 0),
    rssPerSubscriberBytes: (result.rssAttachedBytes - result.rssBeforeBytes) / Math.max(1, result.attached),
    connectSeconds: result.connectSeconds,
    reconnects: result.reconnects,
    failures: result.failures,
    ...(result.firstFailure === undefined ? {} : { firstFailure: result.firstFailure }),
    curve: middle?.latency.curve ?? [],
  };
}

async function rampCell(context: ScenarioContext, server: RunningServer, mode: LiveMode): Promise<RampCell> {
  const s = context.settings.fanOut;
  context.log(`  fan-out: ${server.id}, highest rate held at ${shortCount(s.rampSubscribers)} ${mode}`);
  const runs = await repeat(context.settings.runs, (run) =>
    runJob(
      "fanOutRamp",
      {
        origin: server.url,
        path: `${STREAM_BASE}ramp-${mode}-${run}`,
        mode,
        subscribers: s.rampSubscribers,
        rates: s.rampRates,
        stepSeconds: s.rampStepSeconds,
        p99LimitMs: s.rampP99LimitMs,
        messageBytes: s.messageBytes,
        connectBatch: 500,
        attachTimeoutMs: 30_000,
      },
      300_000,
    ),
  );
  const middle = medianRun(runs, (r) => r.highestHeld)!;
  return {
    server: server.id,
    mode,
    subscribers: s.rampSubscribers,
    highestHeld: spread(runs.map((r) => r.highestHeld)),
    steps: middle.steps.map((step) => ({
      rate: step.rate,
      p99: step.latency.p99,
      delivered: step.delivered,
      expected: step.expected,
      held: step.held,
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

function rampTable(ramps: readonly RampCell[], limitMs: number): Table {
  return {
    title: "Highest append rate held",
    columns: [
      "mode",
      "subscribers",
      "server",
      "highest rate held, median (min–max)",
      "steps of the median run (rate: p99, held)",
    ],
    rows: ramps.map((ramp) => [
      ramp.mode === "sse" ? "SSE" : "long-poll",
      shortCount(ramp.subscribers),
      SERVER_KINDS[ramp.server].label,
      spreadOf(ramp.highestHeld, shortPerSecond),
      ramp.steps.map((st) => `${st.rate}: ${ms(st.p99)} ${st.held ? "✓" : "✗"}`).join("; "),
    ]),
    notes: [`held = all delivered, no failed append, p99 ≤ ${limitMs} ms.`],
  };
}

function verdicts(cells: readonly FanOutCell[]): Verdict[] {
  const out: Verdict[] = [];
  for (const [subscribers, limit] of [
    [1000, 10],
    [10_000, 100],
  ] as const) {
    for (const mode of MODES) {
      const cell = cells.find((c) => c.server === "rivulet" && c.mode === mode && c.subscribers === subscribers);
      const target = `${shortCount(subscribers)} ${mode === "sse" ? "SSE" : "long-poll"}: p99 ≤ ${limit} ms`;
      if (!cell) {
        out.push({ target, measured: "not measured", pass: null });
        continue;
      }
      out.push({
        target,
        measured: `p50 ${ms(cell.p50.median)}, p99 ${ms(cell.p99.median)}, ${cell.delivered}/${cell.expected} delivered`,
        pass: cell.p99.median <= limit && cell.delivered === cell.expected,
      });
    }
  }
  return out;
}
