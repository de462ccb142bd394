/**
 * Lease decisions without I/O (docs/cluster.md). The database decides who holds a lease,
 * by its own clock; a holder only keeps a conservative local deadline: the row's expiry is at
 * least `ttl` after the renewal was *sent* (the database's clock starts counting no earlier),
 * so stopping `safety` before `sentAt + ttl` on the node's monotonic clock means the work has
 * stopped before any other node can take the lease, despite a slow stop or a clock running fast.
 */

export interface LeaseTiming {
  /** How long a lease lasts after each renewal, by the database's clock. */
  readonly ttlMs: number;
  /** How often holders renew and others try to take it. */
  readonly renewEveryMs: number;
  /** How long before the expiry a holder that could not renew stops its work. */
  readonly safetyMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { ttlMs: 5_000, renewEveryMs: 1_000, safetyMs: 1_500 };

/** A renewal must have a chance to land (twice) before the holder's own deadline. */
export function checkTiming(timing: LeaseTiming): void {
  if (!(timing.renewEveryMs > 0 && timing.safetyMs >= 0 && timing.ttlMs > 0)) {
    throw new Error("lease timings must be positive");
  }
  if (timing.ttlMs - timing.safetyMs < 2 * timing.renewEveryMs) {
    throw new Error("a lease's ttl minus its safety margin must leave room for two renewals");
  }
}

/** The lease row as one acquire-or-renew statement returns it. */
export interface LeaseRow {
  readonly holder: string;
  readonly epoch: number;
  /** The holder's advertised URL, when its node row exists. */
  readonly url: string | undefined;
}

/** What a node knows of a lease. `epoch` is the fencing token of the holder. */
export type LeaseView =
  | { readonly kind: "held"; readonly epoch: number; readonly deadline: number }
  | { readonly kind: "other"; readonly holder: string; readonly epoch: number; readonly url: string | undefined }
  | { readonly kind: "unknown" };

/** Reads the statement's answer: ours (with the local deadline), or someone else's. */
export function interpret(row: LeaseRow | undefined, me: string, sentAt: number, timing: LeaseTiming): LeaseView {
  if (!row) return { kind: "unknown" };
  if (row.holder === me) return { kind: "held", epoch: row.epoch, deadline: sentAt + timing.ttlMs - timing.safetyMs };
  return { kind: "other", holder: row.holder, epoch: row.epoch, url: row.url };
}

/**
 * What the holder's work must do going from `before` to `after`: a new epoch while held means
 * the lease lapsed and came back (another incarnation may have run in between), so the work
 * stops and starts again under the new fencing token.
 */
export function transition(before: LeaseView, after: LeaseView): { readonly stop: boolean; readonly start: boolean } {
  const wasHeld = before.kind === "held";
  const isHeld = after.kind === "held";
  const sameEpoch = wasHeld && isHeld && before.epoch === after.epoch;
  return { stop: wasHeld && !sameEpoch, start: isHeld && !sameEpoch };
}

/** A held lease whose local deadline has passed without a renewal is lost, whatever the database says later. */
export function expire(view: LeaseView, now: number): LeaseView {
  return view.kind === "held" && now >= view.deadline ? { kind: "unknown" } : view;
}
