/** Options of the consumer, with their defaults and checks. */
import { checkFunction, checkNumber, checkOneOf, invalidArgument, Rule } from "../check.js";
import type { Endpoint, EndpointOptions } from "../endpoint.js";
import type { StreamError } from "../errors.js";
import type { MaybePromise } from "../options.js";
import type { Batch } from "../read/batch.js";
import { checkReadOptions, LIVE_MODES, type LiveMode, type ReadOptions } from "../read/read-options.js";
import type { RetryOptions } from "../retry.js";
import type { OffsetStore } from "./offset-store.js";

export interface HandlerContext {
  /** Aborted when the consumer stops: finish or give up soon. */
  signal: AbortSignal;
  /** The key of this batch's items, when the consumer has a `key` function. */
  key: string | undefined;
}

export type ConsumerHandler<T> = (batch: Batch<T>, context: HandlerContext) => MaybePromise<void>;

export type ConsumerErrorPhase = "read" | "handler" | "checkpoint";

/**
 * `undefined`: the default — reconnect after retryable read errors, stop on anything else.
 * `"retry"`: try again after backoff (re-read, re-run the handler, re-save the checkpoint).
 * `"skip"`: (handler errors) count the batch as handled and go on. `"stop"`: end the
 * consumer (no restart). `{ resumeFrom }`: (read errors) read on from that offset instead,
 * reported as `consumer:skipped`.
 */
export type ConsumerErrorDecision = undefined | "retry" | "skip" | "stop" | { resumeFrom: string };

export interface RestartOptions {
  /** Restarts in a row (without a checkpoint in between) before giving up (default: no limit). */
  maxRestarts?: number;
  /** Backoff between restarts (default 1 s to 60 s). */
  backoff?: RetryOptions;
}

export interface ConsumerOptions<T = unknown> {
  /** A `DurableStream` (its options and transport are shared), or the options to make one. */
  stream: Endpoint | EndpointOptions;
  /** Called for every batch with data, and for the final batch of a closed stream. */
  handler: ConsumerHandler<T>;
  /** Default: a MemoryOffsetStore. */
  offsetStore?: OffsetStore;
  /** The checkpoint's key in the store (default: the stream URL). */
  checkpointKey?: string;
  /** Where to start when there is no checkpoint (default `"-1"`). */
  startOffset?: string;
  /** Default `"auto"`. With `false` the consumer stops once caught up. */
  live?: LiveMode;
  /** Backoff between read sessions (default 250 ms to 30 s, forever). */
  reconnect?: RetryOptions;
  onError?: (
    error: unknown,
    info: { phase: ConsumerErrorPhase; attempt: number },
    // biome-ignore lint/suspicious/noConfusingVoidType: returning nothing means "default".
  ) => MaybePromise<ConsumerErrorDecision | void>;
  /** Options of each read session (headers, timeouts, auto fallback, validation...). */
  read?: Omit<ReadOptions<T>, "offset" | "live" | "signal">;
  /** Handler calls running at once (default 1). The checkpoint never passes an unfinished batch. */
  concurrency?: number;
  /**
   * Items with the same key are handled in order, one batch at a time; different keys run in
   * parallel (up to `concurrency`). Batches then hold items of one key. JSON streams only.
   */
  key?: (item: T) => string | number;
  /** Re-batch items: handler batches of up to this many items, across reads. JSON streams only. */
  batchSize?: number;
  /** With `batchSize`: how long a batch that is not full waits for more items (default 100 ms). */
  batchTimeoutMs?: number;
  /**
   * A read before the stream's retained data (410 Gone): `"fail"` (default) ends the run with
   * the GoneError; `"earliest"` reads on from the earliest retained offset the server named,
   * reported as `consumer:skipped`. A 410 without that offset (a deleted stream) always fails.
   */
  onGone?: "fail" | "earliest";
  /**
   * Start a new run, from the last checkpoint and after a backoff, when a run fails (a
   * handler failure it may not skip, a read error that cannot heal); each restart is a
   * `consumer:restart` event. Not after an explicit `"stop"` from `onError`, nor usage errors.
   */
  restart?: boolean | RestartOptions;
}

export interface ConsumerEnd {
  /** `stopped` by stop(), `closed` at the stream's EOF, `caught-up` for live: false. */
  reason: "stopped" | "closed" | "caught-up";
}

export interface PipelineSettings<T> {
  concurrency: number;
  key: ((item: T) => string | number) | undefined;
  batchSize: number | undefined;
  batchTimeoutMs: number;
}

export const RECONNECT_DEFAULTS: RetryOptions = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetries: Number.POSITIVE_INFINITY,
};

export const RESTART_DEFAULTS: RetryOptions = {
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxRetries: Number.POSITIVE_INFINITY,
};

export const DEFAULT_BATCH_TIMEOUT_MS = 100;

/** Refuses options that cannot work (INVALID_ARGUMENT naming the first bad one); retry settings are checked where merged. */
export function checkConsumerOptions<T>(url: string, options: ConsumerOptions<T>): PipelineSettings<T> {
  checkFunction(url, "handler", options.handler, true);
  checkFunction(url, "onError", options.onError);
  checkOneOf(url, "live", options.live, LIVE_MODES);
  checkOneOf(url, "onGone", options.onGone, ["fail", "earliest"]);
  checkReadOptions(url, options.read ?? {}, "read.");
  checkNumber(url, "concurrency", options.concurrency, Rule.positiveInteger);
  checkFunction(url, "key", options.key);
  checkNumber(url, "batchSize", options.batchSize, Rule.positiveInteger);
  checkNumber(url, "batchTimeoutMs", options.batchTimeoutMs, Rule.delayMs);
  const restart = options.restart;
  if (restart !== undefined && typeof restart !== "boolean" && (typeof restart !== "object" || restart === null)) {
    throw invalidArgument(url, "restart", "must be a boolean or { maxRestarts, backoff }", restart);
  }
  if (typeof restart === "object") checkNumber(url, "restart.maxRestarts", restart.maxRestarts, Rule.countOrInfinity);
  return {
    concurrency: options.concurrency ?? 1,
    key: options.key,
    batchSize: options.batchSize,
    batchTimeoutMs: options.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS,
  };
}

/** A decision to read on from elsewhere. */
export function isResume(decision: ConsumerErrorDecision): decision is { resumeFrom: string } {
  return typeof decision === "object" && decision !== null;
}

/** Errors a restart cannot cure: the API used in a way that cannot work. */
export function isUsageError(error: unknown): boolean {
  const code = (error as Partial<StreamError> | undefined)?.code;
  return code === "USAGE" || code === "INVALID_ARGUMENT";
}
