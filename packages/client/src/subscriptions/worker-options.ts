/** Options and events of the pull-wake worker, with their defaults and checks. */
import { checkFunction, checkNumber, invalidArgument, Rule } from "../check.js";
import type { RetryOptions } from "../retry.js";

export interface PullWakeWorkerOptions {
  /** The name claims are made under (default `worker-` and a random suffix). */
  name?: string;
  /**
   * The subscriptions' wake stream. Without it each subscription is read to learn its own,
   * which needs the `admin` scope when access control is on; workers usually have less.
   */
  wakeStream?: string;
  /** Wakes handled at once, across the worker's subscriptions (default 1; a subscription has one wake at a time). */
  concurrency?: number;
  /** How often the lease is renewed while the handler runs (default: a third of the claim's lease). */
  heartbeatMs?: number;
  /** Wait after a failed wake or claim before claiming that subscription again (default 1 s, doubling to 60 s). */
  backoff?: RetryOptions;
  /** Stops the worker, like `stop()`. */
  signal?: AbortSignal;
  /** Everything the worker does and every failure it rides out. */
  onEvent?: (event: WorkerEvent) => void;
}

export type WorkerPhase = "claim" | "handler" | "heartbeat" | "ack" | "release" | "follow";

export type WorkerEvent =
  /** Reading the wake stream for wake events, from now on. */
  | { type: "following"; wakeStream: string }
  | { type: "claimed"; subscriptionId: string; wakeId: string; generation: number; streams: number }
  /** Another worker holds the lease (ALREADY_CLAIMED); its wake is its own. */
  | { type: "busy"; subscriptionId: string; holder: string | undefined }
  | { type: "renewed"; subscriptionId: string; wakeId: string; generation: number }
  | { type: "acked"; subscriptionId: string; wakeId: string; generation: number; nextWake: boolean }
  /** Given back without an ack: the handler failed, or the worker is stopping. */
  | { type: "released"; subscriptionId: string; wakeId: string; generation: number; reason: "failed" | "stopped" }
  /** The wake was fenced (or its subscription deleted) while the handler had it: nothing is acked. */
  | { type: "lost"; subscriptionId: string; wakeId: string; generation: number; error: unknown }
  /** A failure; `retryInMs` when the subscription is claimed again after that wait. */
  | { type: "error"; subscriptionId: string | undefined; phase: WorkerPhase; error: unknown; retryInMs?: number };

export const BACKOFF_DEFAULTS: RetryOptions = {
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxRetries: Number.POSITIVE_INFINITY,
};

export function checkWorkerOptions(where: string, options: PullWakeWorkerOptions): void {
  if (
    options.name !== undefined &&
    (typeof options.name !== "string" || options.name === "" || options.name.length > 256)
  ) {
    throw invalidArgument(where, "name", "must be a name of 1 to 256 characters", options.name);
  }
  if (options.wakeStream !== undefined && (typeof options.wakeStream !== "string" || options.wakeStream === "")) {
    throw invalidArgument(where, "wakeStream", "must be a stream path", options.wakeStream);
  }
  checkNumber(where, "concurrency", options.concurrency, Rule.positiveInteger);
  checkNumber(where, "heartbeatMs", options.heartbeatMs, Rule.delayMs);
  checkFunction(where, "onEvent", options.onEvent);
  const { signal } = options;
  if (signal !== undefined && typeof (signal as Partial<AbortSignal>).addEventListener !== "function") {
    throw invalidArgument(where, "signal", "must be an AbortSignal", signal);
  }
}

export function defaultWorkerName(): string {
  return `worker-${globalThis.crypto.randomUUID().slice(0, 8)}`;
}
