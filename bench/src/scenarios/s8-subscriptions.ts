/**
 * Scenario 8 (@rivulet/load's definition) on each server: webhook delivery through
 * subscriptions. 1,000 webhook subscriptions over 10,000 streams (10 each, by pattern), one
 * receiver in the load generator's process; appends at a fixed rate, then at peak. Figures:
 * append → receiver latency, wakes per second, appends acknowledged per second, appends per
 * wake (coalescing), errors.
 */

import {
  average,
  count,
  type DeliveryWindow,
  describePhase,
  measureSubscriptions,
  ms,
  type PhaseWindows,
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
import type { Settings } from "../settings.js";
import { onServer, type ScenarioContext, withServer } from "./context.js";

/** One server at one load, over the runs. */
interface DeliveryCell {
  readonly server: ServerId;
  readonly load: string;
  readonly appendsPerSecond: Spread;
  readonly wakesPerSecond: Spread;
  readonly appendsPerWake: Spread;
  readonly p50: Spread;
  readonly p90: Spread;
  readonly p99: Spread;
  readonly max: Spread;
  readonly acked: number;
  /** Sent but not answered by the end of their window (the server fell behind). */
  readonly unanswered: number;
  readonly delivered: number;
  readonly beforeAck: number;
  readonly appendErrors: number;
  readonly receiverFailures: number;
  readonly cpu: { readonly server: Spread; readonly generator: Spread; readonly other: Spread };
  readonly firstError?: string;
}

interface SetupCell {
  readonly server: ServerId;
  readonly streamsPerSecond: number;
  readonly subscriptionsPerSecond: number;
  readonly leftOver: number;
}

export async function subscriptionsScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const s = context.settings.subscriptions;
  const cells: DeliveryCell[] = [];
  const setups: SetupCell[] = [];
  for (const server of s.servers) {
    await withServer(
      context,
      server,
      async (running) => {
        const measured = await measureSubscriptions(onServer(context, running), s);
        cells.push(...measured.phases.map((phase) => deliveryCell(server, phase)));
        const { result } = measured;
        setups.push({
          server,
          streamsPerSecond: result.streams.perSecond,
          subscriptionsPerSecond: result.subscriptions.perSecond,
          leftOver: result.leftOver,
        });
      },
      { webhooks: true },
    );
  }
  return {
    id: "s8",
    title: "8. Webhook delivery through subscriptions",
    tables: [deliveryTable(cells), setupTable(setups, s)],
    verdicts: verdicts(cells, s),
    notes: notes(context.settings),
    data: { cells, setups },
    seconds: (performance.now() - started) / 1000,
  };
}

function deliveryCell(server: ServerId, { phase, windows }: PhaseWindows): DeliveryCell {
  const over = (figure: (w: DeliveryWindow) => number) => spread(windows.map(figure));
  const sum = (figure: (w: DeliveryWindow) => number) => windows.reduce((total, w) => total + figure(w), 0);
  const firstError = windows.find((w) => w.firstError !== undefined)?.firstError;
  return {
    server,
    load: describePhase(phase),
    appendsPerSecond: over((w) => w.appendsPerSecond),
    wakesPerSecond: over((w) => w.wakesPerSecond),
    appendsPerWake: over((w) => w.appendsPerWake),
    p50: over((w) => w.latency.p50),
    p90: over((w) => w.latency.p90),
    p99: over((w) => w.latency.p99),
    max: over((w) => w.latency.max),
    acked: sum((w) => w.acked),
    unanswered: sum((w) => w.unanswered),
    delivered: sum((w) => w.delivered),
    beforeAck: sum((w) => w.beforeAck),
    appendErrors: sum((w) => w.appendErrors),
    receiverFailures: sum((w) => w.receiverFailures),
    cpu: {
      server: over((w) => w.cpu.serverPercent),
      generator: over((w) => w.cpu.generatorPercent),
      other: over((w) => w.cpu.otherPercent),
    },
    ...(firstError === undefined ? {} : { firstError }),
  };
}

function deliveryTable(cells: readonly DeliveryCell[]): Table {
  const reference = (cell: DeliveryCell) => cells.find((c) => c.server === "refMemory" && c.load === cell.load);
  return {
    title: "Append → receiver latency and delivery rate",
    columns: [
      "server",
      "load",
      "appends/s",
      "wakes/s",
      "appends per wake",
      "p50",
      "p90",
      "p99",
      "max",
      "delivered",
      "unanswered appends",
      "errors",
      "server CPU",
      "generator CPU",
      "other CPU",
      "wakes/s × ref memory",
      "ref memory p99 ÷ this",
    ],
    rows: cells.map((cell) => {
      const ref = reference(cell);
      return [
        SERVER_KINDS[cell.server].label,
        cell.load,
        spreadOf(cell.appendsPerSecond, shortPerSecond),
        spreadOf(cell.wakesPerSecond, shortPerSecond),
        spreadOf(cell.appendsPerWake, average),
        spreadOf(cell.p50, ms),
        spreadOf(cell.p90, ms),
        spreadOf(cell.p99, ms),
        spreadOf(cell.max, ms),
        `${cell.delivered}/${cell.acked}`,
        count(cell.unanswered),
        count(cell.appendErrors + cell.receiverFailures),
        percent(cell.cpu.server.median),
        percent(cell.cpu.generator.median),
        percent(cell.cpu.other.median),
        cell.server === "refMemory"
          ? "1×"
          : times(ratio(cell.wakesPerSecond.median, ref?.wakesPerSecond.median ?? NaN)),
        cell.server === "refMemory" ? "1×" : times(ratio(ref?.p99.median ?? NaN, cell.p99.median)),
      ];
    }),
    notes: [
      "appends/s: acknowledged appends per second (at a fixed rate, what was offered if the server kept up). wakes/s: webhook requests the receiver got per second, until the last append was delivered. Latency: from each append's acknowledgement to the arrival of the first wake naming its stream at or past it. delivered: appends a wake covered, of those acknowledged. unanswered: appends sent in the window and still unanswered at its end (the server fell behind the rate; their answers are not counted later). errors: failed appends, and wakes or callbacks that failed at the receiver. CPU is a percentage of one core over the window (200% in all); 'other' is everything else the machine ran meanwhile.",
    ],
  };
}

function setupTable(setups: readonly SetupCell[], s: Settings["subscriptions"]): Table {
  return {
    title: "Setting up",
    columns: ["server", "streams created/s", "subscriptions created/s", "subscriptions left after deleting"],
    rows: setups.map((setup) => [
      SERVER_KINDS[setup.server].label,
      shortPerSecond(setup.streamsPerSecond),
      shortPerSecond(setup.subscriptionsPerSecond),
      count(setup.leftOver),
    ]),
    notes: [
      `${count(s.streams)} empty JSON streams, then ${count(s.subscriptions)} webhook subscriptions (each PUT links the streams its pattern matches at their tails), ${s.connections} connections; afterwards every subscription is deleted.`,
    ],
  };
}

function verdicts(cells: readonly DeliveryCell[], s: Settings["subscriptions"]): Verdict[] {
  const target = `${shortCount(s.subscriptions)} webhook subscriptions over ${shortCount(s.streams)} streams: every acknowledged append reaches its receiver (no time target)`;
  const rivulet = cells.filter((cell) => cell.server === "rivulet");
  if (rivulet.length === 0) return [{ target, measured: "not measured", pass: null }];
  const measured = rivulet
    .map(
      (cell) =>
        `${cell.load}: ${cell.delivered}/${cell.acked} delivered, p99 ${ms(cell.p99.median)}, ${shortPerSecond(cell.wakesPerSecond.median)} wakes`,
    )
    .join("; ");
  const pass = rivulet.every(
    (cell) =>
      cell.acked > 0 &&
      cell.delivered === cell.acked &&
      cell.unanswered + cell.appendErrors + cell.receiverFailures === 0,
  );
  return [{ target, measured, pass }];
}

function notes({ runs, subscriptions: s }: Settings): string[] {
  const per = Math.ceil(s.streams / s.subscriptions);
  return [
    `${count(s.streams)} streams and ${count(s.subscriptions)} webhook subscriptions; subscription i has the pattern \`subs/i/*\`, which matches its ${per} streams. Every subscription delivers to one receiver: a node:http server on 127.0.0.1 in the load generator's process (Rivulet started with \`--webhook-allow 127.0.0.1,localhost\`; the reference with its webhooks switched on, which lets them reach 127.0.0.1).`,
    `The receiver ${s.verifySignatures ? "verifies every wake's Ed25519 signature against the server's JWKS" : "does not verify signatures (a flag of the scenario turns it on)"}, and ${s.ack === "callback" ? "answers 200 at once, then calls back with an ack of every pending stream's tail and `done: true`" : 'answers `{"done": true}`'} (PROTOCOL §7.1). Both servers sign the same way and take the same callback, so one receiver serves both.`,
    `${s.bodyBytes} B JSON appends rotate over the streams so that consecutive appends go to different subscriptions. Fixed rate: appends due at ${s.rates.map((rate) => `${count(rate)}/s`).join(", ")} for ${s.rateSeconds} s (open model, ${s.connections} connections); peak: a closed loop of ${s.peakConnections} connections for ${s.peakSeconds} s.${s.warmupSeconds > 0 ? ` Before the first window, ${s.warmupSeconds} s at the first rate, not recorded.` : ""} After each window the generator waits up to ${s.drainMs / 1000} s for deliveries still due, so one window's backlog is not the next one's.`,
    `Each figure is the median (min–max) of ${runs} windows over the same streams and subscriptions. A wake can arrive before the append's own answer gets back to the generator; such appends count 0 ms.`,
    "While a wake is out, a subscription's further appends wait for the next wake (PROTOCOL §7: one wake in flight per subscription), so appends per wake above 1 means coalescing, and the latency includes waiting for the wake before to be acknowledged. Rivulet makes each wake durable before sending it and each acknowledgement durable before answering the callback; it sends at most 64 webhooks at a time, 8 to one origin (its defaults), and all subscriptions here share one receiver. The reference sends every webhook as soon as it is due, with no limit.",
    "The reference keeps subscriptions in memory, and for every append it looks at every subscription (a glob match each); its file-backed variant is not run here (it fsyncs each append and, with 10,000 streams, answers some concurrent creates with spurious 404s; see scenario 1).",
  ];
}
