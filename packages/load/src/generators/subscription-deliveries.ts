/**
 * Job: webhook delivery through subscriptions (PROTOCOL §6, §7.1). Creates the streams and the
 * webhook subscriptions, every one delivering to a receiver in this process; then appends at
 * each phase's load — a fixed rate, or peak — and records for every acknowledged append how
 * long after its acknowledgement the first wake naming it arrived. Between windows, deliveries
 * still due are waited for. The subscriptions are deleted at the end, whatever happened.
 */

import type { TargetHeaders } from "../http-pool.js";
import { sleep } from "../measure/clock.js";
import { type CpuShare, cpuWindow } from "../measure/cpu.js";
import { type LatencySummary, summarise } from "../measure/histogram.js";
import { createStreamList } from "./create-streams.js";
import type { LoopParams, LoopResult } from "./request-loop.js";
import { type AckMode, WebhookReceiver } from "./webhooks/receiver.js";
import { SignatureCheck } from "./webhooks/signature-check.js";
import { createSubscriptions, deleteSubscriptions, type SubscriptionSpec } from "./webhooks/subscription-api.js";
import { TrackedAppends } from "./webhooks/tracked-appends.js";
import { WakeArrivals } from "./webhooks/wake-arrivals.js";

export type LoadPhase =
  | { readonly kind: "rate"; readonly rate: number; readonly seconds: number }
  | { readonly kind: "peak"; readonly connections: number; readonly seconds: number };

export interface SubscriptionDeliveriesParams {
  readonly origin: string;
  /** Sent with every request but callbacks (which carry the wake's token). */
  readonly headers?: TargetHeaders;
  /** The stream root's path, e.g. `/v1/stream`. */
  readonly root: string;
  /** Root-relative stream paths, created first; appends rotate over them in this order. */
  readonly streams: readonly string[];
  readonly subscriptions: readonly SubscriptionSpec[];
  readonly ack: AckMode;
  /** Check every wake's signature against the server's JWKS. */
  readonly verifySignatures: boolean;
  readonly bodyBytes: number;
  /** Connections for creates, deletes, appends at a fixed rate, and callbacks. */
  readonly connections: number;
  readonly createAttempts: number;
  /** Appends at this rate before the first window, not recorded (seconds 0: none). */
  readonly warmup: { readonly rate: number; readonly seconds: number };
  /** Measured in order, each `runs` times. */
  readonly phases: readonly LoadPhase[];
  readonly runs: number;
  /** After a window's appends, how long deliveries still missing are waited for. */
  readonly drainMs: number;
  /** For the CPU figures. */
  readonly serverPid?: number;
}

export interface DeliveryWindow {
  readonly phase: LoadPhase;
  readonly sent: number;
  readonly acked: number;
  /** Sent but not answered by the end of the window (an overloaded server); a later answer is ignored. */
  readonly unanswered: number;
  readonly appendErrors: number;
  /** Acknowledged appends a wake covered (by the end of the drain). */
  readonly delivered: number;
  readonly undelivered: number;
  /** Covered by a wake that arrived before the append's acknowledgement (counted as 0 ms). */
  readonly beforeAck: number;
  readonly wakes: number;
  /** Acknowledged appends per second, from the first send to the last acknowledgement (at least the phase's time). */
  readonly appendsPerSecond: number;
  /** Wakes per second, from the first send to the last delivery (at least the phase's time). */
  readonly wakesPerSecond: number;
  /** Delivered appends per wake (coalescing: many appends, one wake). */
  readonly appendsPerWake: number;
  /** From each append's acknowledgement to the arrival of the first wake that covered it. */
  readonly latency: LatencySummary;
  /** Malformed wakes, bad signatures, failed callbacks in this window. */
  readonly receiverFailures: number;
  readonly cpu: CpuShare;
  readonly firstError?: string;
}

export interface SetupFigures {
  readonly created: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly firstError?: string;
}

export interface SubscriptionDeliveriesResult {
  readonly streams: SetupFigures;
  readonly subscriptions: SetupFigures;
  readonly windows: readonly DeliveryWindow[];
  /** Subscriptions not deleted at the end. */
  readonly leftOver: number;
  readonly firstError?: string;
}

export async function subscriptionDeliveries(
  params: SubscriptionDeliveriesParams,
): Promise<SubscriptionDeliveriesResult> {
  const arrivals = new WakeArrivals();
  const signatures = params.verifySignatures
    ? new SignatureCheck(`${params.origin}${params.root}/__ds/jwks.json`, params.headers)
    : undefined;
  const receiver = new WebhookReceiver(
    { ack: params.ack, callbackConnections: params.connections, ...(signatures ? { signatures } : {}) },
    (wake, at) =>
      arrivals.woke(
        wake.streams.map((s) => ({ path: s.path, tail: s.tail_offset })),
        at,
      ),
  );
  const target = {
    origin: params.origin,
    ...(params.headers ? { headers: params.headers } : {}),
    root: params.root,
    connections: params.connections,
    timeoutMs: 600_000,
  };
  const peakConnections = Math.max(0, ...params.phases.map((p) => (p.kind === "peak" ? p.connections : 0)));
  const appends = new TrackedAppends(
    target,
    Math.max(params.connections, peakConnections),
    params.streams,
    params.bodyBytes,
    (stream, end, at) => arrivals.acked(stream, end, at),
  );
  let measured: Omit<SubscriptionDeliveriesResult, "leftOver">;
  let deleted = 0;
  try {
    measured = await run(params, { target, arrivals, receiver, appends });
  } finally {
    await appends.close();
    // Every subscription is deleted, even after a failure half-way (the ids are known up front),
    // and before the receiver goes: no wake is then sent to a closed port.
    const result = await deleteSubscriptions({ ...target, ids: params.subscriptions.map((s) => s.id) });
    deleted = result.done;
    await receiver.close();
  }
  return { ...measured, leftOver: params.subscriptions.length - deleted };
}

interface Parts {
  readonly target: { readonly origin: string; readonly headers?: TargetHeaders; readonly root: string } & LoopParams;
  readonly arrivals: WakeArrivals;
  readonly receiver: WebhookReceiver;
  readonly appends: TrackedAppends;
}

/** Creates the streams and subscriptions, warms up, and measures every window. */
async function run(
  params: SubscriptionDeliveriesParams,
  { target, arrivals, receiver, appends }: Parts,
): Promise<Omit<SubscriptionDeliveriesResult, "leftOver">> {
  const url = await receiver.listen();
  const created = await createStreamList({
    ...target,
    paths: params.streams.map((stream) => `${params.root}/${stream}`),
    contentType: "application/json",
    attempts: params.createAttempts,
  });
  const streams = setup(created.created, created);
  if (streams.created < params.streams.length) {
    throw new Error(`created ${streams.created} of ${params.streams.length} streams: ${streams.firstError}`);
  }
  const subscribed = await createSubscriptions({ ...target, subscriptions: params.subscriptions, url });
  const subscriptions = setup(subscribed.done, subscribed);
  if (subscriptions.created < params.subscriptions.length) {
    throw new Error(
      `created ${subscriptions.created} of ${params.subscriptions.length} subscriptions: ${subscriptions.firstError}`,
    );
  }
  if (params.warmup.seconds > 0) {
    await appends.atRate(params.warmup.rate, params.warmup.seconds, params.drainMs);
    await drain(arrivals, params.drainMs);
  }
  const windows: DeliveryWindow[] = [];
  for (const phase of params.phases) {
    for (let i = 0; i < params.runs; i++) windows.push(await measure(phase, params, arrivals, appends, receiver));
  }
  const firstError = appends.firstError ?? receiver.firstFailure;
  return { streams, subscriptions, windows, ...(firstError ? { firstError } : {}) };
}

async function measure(
  phase: LoadPhase,
  params: SubscriptionDeliveriesParams,
  arrivals: WakeArrivals,
  appends: TrackedAppends,
  receiver: WebhookReceiver,
): Promise<DeliveryWindow> {
  arrivals.startWindow();
  appends.nextWindow();
  const before = { sent: appends.sent, errors: appends.errors, failures: receiver.failures };
  const endCpu = await cpuWindow(params.serverPid);
  const started = performance.now();
  if (phase.kind === "rate") await appends.atRate(phase.rate, phase.seconds, params.drainMs);
  else await appends.atPeak(phase.connections, phase.seconds);
  await drain(arrivals, params.drainMs);
  const cpu = await endCpu();
  const { histogram, counts } = arrivals.window();
  const sent = appends.sent - before.sent;
  const appendErrors = appends.errors - before.errors;
  // The load lasted `phase.seconds` at least (n appends due at a fixed rate span n - 1 intervals).
  const seconds = (at: number) => Math.max(phase.seconds, (at - started) / 1000);
  const firstError = appends.firstError ?? receiver.firstFailure;
  return {
    phase,
    sent,
    acked: counts.acked,
    // Still unanswered now: this window's, not the next one's (their answers will be ignored).
    unanswered: sent - counts.acked - appendErrors,
    appendErrors,
    delivered: counts.delivered,
    undelivered: counts.waiting,
    beforeAck: counts.beforeAck,
    wakes: counts.wakes,
    appendsPerSecond: counts.acked / seconds(counts.lastAckAt),
    wakesPerSecond: counts.wakes / seconds(counts.lastDeliveryAt),
    appendsPerWake: counts.delivered / counts.wakes,
    latency: summarise(histogram),
    receiverFailures: receiver.failures - before.failures,
    cpu,
    ...(firstError ? { firstError } : {}),
  };
}

/** Waits until every acknowledged append of the window was delivered, or `timeoutMs` passed. */
async function drain(arrivals: WakeArrivals, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (arrivals.waiting > 0 && performance.now() < deadline) await sleep(10);
}

function setup(created: number, result: Omit<LoopResult, "done">): SetupFigures {
  return {
    created,
    seconds: result.seconds,
    perSecond: created / result.seconds,
    ...(result.firstError ? { firstError: result.firstError } : {}),
  };
}
