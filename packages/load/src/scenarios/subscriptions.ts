/**
 * Scenario 8, webhook delivery through subscriptions (PROTOCOL §6, §7.1): `streams` streams
 * and `subscriptions` webhook subscriptions, subscription i covering the streams `subs/i/*`
 * (so each has streams/subscriptions of them), all delivering to one receiver on the load
 * generator's machine. Appends rotate over the streams so that consecutive appends wake
 * different subscriptions: first at each fixed rate, then at peak (a closed loop). Every
 * acknowledged append's latency runs from its acknowledgement to the first wake naming it;
 * wakes per second and appends per wake show the delivery rate and how much it coalesces.
 * The server must let webhooks reach 127.0.0.1 (an allow-list, PROTOCOL §12.8).
 */
import { count, perSecond } from "../format/counts.js";
import type { DeliveryWindow, LoadPhase, SubscriptionDeliveriesResult } from "../generators/subscription-deliveries.js";
import type { AckMode } from "../generators/webhooks/receiver.js";
import { type SubscriptionSpec, subscriptionPath } from "../generators/webhooks/subscription-api.js";
import { endpoint, type LoadTarget, rootRelative, type ScenarioRun, serverPid } from "./scenario-run.js";

export interface SubscriptionSizes {
  readonly streams: number;
  readonly subscriptions: number;
  /** Fixed append rates (open model), measured in this order. */
  readonly rates: readonly number[];
  readonly rateSeconds: number;
  /** Closed-loop connections at peak (0: no peak window). */
  readonly peakConnections: number;
  readonly peakSeconds: number;
  /** Unrecorded appends at the first rate before any window. */
  readonly warmupSeconds: number;
  /** After a window's appends, how long deliveries still missing are waited for. */
  readonly drainMs: number;
  readonly bodyBytes: number;
  /** Connections for creates, fixed-rate appends and callbacks. */
  readonly connections: number;
  readonly ack: AckMode;
  readonly verifySignatures: boolean;
}

export interface PhaseWindows {
  readonly phase: LoadPhase;
  /** One per run. */
  readonly windows: readonly DeliveryWindow[];
}

export interface SubscriptionsMeasurement {
  readonly result: SubscriptionDeliveriesResult;
  readonly phases: readonly PhaseWindows[];
}

/** Which streams and subscriptions a run uses: stream k is `subs/<k mod n>/<k div n>` for n subscriptions. */
export function subscriptionLayout(
  target: LoadTarget,
  sizes: Pick<SubscriptionSizes, "streams" | "subscriptions">,
): { readonly streams: string[]; readonly subscriptions: SubscriptionSpec[] } {
  const base = rootRelative(target, target.path("subs"));
  const idBase = base.replace(/[^A-Za-z0-9._~-]/g, "-");
  const n = sizes.subscriptions;
  return {
    // In this order consecutive appends go to different subscriptions.
    streams: Array.from({ length: sizes.streams }, (_, k) => `${base}/${k % n}/${Math.floor(k / n)}`),
    subscriptions: Array.from({ length: n }, (_, i) => ({ id: `${idBase}-${i}`, pattern: `${base}/${i}/*` })),
  };
}

export function subscriptionPhases(sizes: SubscriptionSizes): LoadPhase[] {
  const phases: LoadPhase[] = sizes.rates.map((rate) => ({ kind: "rate", rate, seconds: sizes.rateSeconds }));
  if (sizes.peakConnections > 0) {
    phases.push({ kind: "peak", connections: sizes.peakConnections, seconds: sizes.peakSeconds });
  }
  return phases;
}

export async function measureSubscriptions(
  run: ScenarioRun,
  sizes: SubscriptionSizes,
): Promise<SubscriptionsMeasurement> {
  const layout = subscriptionLayout(run.target, sizes);
  const phases = subscriptionPhases(sizes);
  run.target.created(...layout.streams.map((stream) => `${run.target.root}/${stream}`));
  run.target.subscribed?.(...layout.subscriptions.map(({ id }) => subscriptionPath(run.target.root, id)));
  run.progress(
    `subscriptions: ${count(sizes.subscriptions)} webhook subscriptions over ${count(sizes.streams)} streams, ${phases.map(describePhase).join(", ")}`,
  );
  const windowMs = phases.reduce((sum, p) => sum + p.seconds * 1000 + 2 * sizes.drainMs, 0) * run.runs;
  const result = await run.jobs(
    "subscriptionDeliveries",
    {
      ...endpoint(run.target),
      root: run.target.root,
      ...layout,
      ack: sizes.ack,
      verifySignatures: sizes.verifySignatures,
      bodyBytes: sizes.bodyBytes,
      connections: sizes.connections,
      createAttempts: run.createAttempts,
      warmup: { rate: sizes.rates[0] ?? 100, seconds: sizes.warmupSeconds },
      phases,
      runs: run.runs,
      drainMs: sizes.drainMs,
      ...serverPid(run.target),
    },
    // Creates and deletes (at well under 100 a second at worst), the warm-up, every window.
    (sizes.streams + 2 * sizes.subscriptions) * 10 + sizes.warmupSeconds * 1000 + windowMs + 120_000,
  );
  return {
    result,
    phases: phases.map((phase, index) => ({
      phase,
      windows: result.windows.slice(index * run.runs, (index + 1) * run.runs),
    })),
  };
}

/** `1,000/s` or `peak (64 connections)`. */
export function describePhase(phase: LoadPhase): string {
  return phase.kind === "rate" ? perSecond(phase.rate) : `peak (${phase.connections} connections)`;
}
