/**
 * What this server saw of each subscription's recent deliveries, for operators (the dashboard,
 * `GET …/subscriptions/:id/deliveries`): the last few attempts per subscription, newest first,
 * with their outcome and, for failures, the retry they scheduled. Runtime only, like the
 * metrics: the durable state keeps the retry schedule, not a history, and a restart starts it
 * over. Bounded: at most `perSubscription` entries for each subscription that exists.
 */

/** How one delivery attempt ended: a webhook's outcome, or `written`/`failed` for wake events. */
export type AttemptOutcome = "done" | "accepted" | "status" | "timeout" | "network" | "refused" | "written" | "failed";

export interface DeliveryAttempt {
  /** When the attempt ended, ms since the epoch. */
  readonly at: number;
  readonly wakeId: string;
  readonly generation: number;
  readonly kind: "webhook" | "wake-events";
  readonly outcome: AttemptOutcome;
  /** The receiver's HTTP status, when it answered. */
  readonly status?: number;
  /** Why it failed, in a few words (a status, a timeout, an error code). */
  readonly detail?: string;
  /** From sending to the answer (webhooks). */
  readonly ms?: number;
  /** For a failure: which consecutive failure this was, and when the retry is due. */
  readonly retry?: { readonly attempt: number; readonly nextAt: number };
}

export class DeliveryLog {
  private readonly attempts = new Map<string, DeliveryAttempt[]>();

  constructor(private readonly perSubscription = 20) {}

  add(id: string, attempt: DeliveryAttempt): void {
    const list = this.attempts.get(id) ?? [];
    list.unshift(attempt);
    if (list.length > this.perSubscription) list.length = this.perSubscription;
    this.attempts.set(id, list);
  }

  /** The subscription's recent attempts, newest first. */
  of(id: string): readonly DeliveryAttempt[] {
    return this.attempts.get(id) ?? [];
  }

  /** The subscription is gone (deleted): its history goes with it. */
  forget(id: string): void {
    this.attempts.delete(id);
  }
}
