/** Options of a read session, with their defaults. */
import { checkFunction, checkNumber, checkOneOf, invalidArgument, Rule } from "../check.js";
import type { StreamError } from "../errors.js";
import type { DynamicRecord, MaybePromise } from "../options.js";
import type { RetryOptions } from "../retry.js";
import type { RecordsOption } from "./records.js";

/**
 * `false`: catch up and stop at the tail. `"long-poll"` / `"sse"`: catch up, then follow.
 * `"auto"`: catch up, follow with SSE, and switch to long-poll for good when SSE is buffered
 * by a proxy or keeps dropping.
 */
export type LiveMode = false | "long-poll" | "sse" | "auto";

/**
 * What `onError` may answer for a failed request:
 * - nothing: the default (retry retryable errors within the retry budget, otherwise stop);
 * - `"retry"`: retry after backoff even if the error is not retryable;
 * - `{ headers, params }`: retry with these added to every later request of the session;
 * - `"stop"`: end the session with this error.
 */
export type ErrorDecision =
  | undefined
  | "stop"
  | "retry"
  | { headers?: Record<string, string>; params?: Record<string, string> };

export type ReadErrorHandler = (
  error: StreamError,
  context: { attempt: number },
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing means "default".
) => MaybePromise<ErrorDecision | void>;

export interface AutoFallbackOptions {
  /** An SSE connection that delivers no event this long after its headers is buffered (default 3 s). */
  firstEventTimeoutMs?: number;
  /** An SSE connection that ends sooner than this counts as a drop (default 1 s). */
  minConnectionMs?: number;
  /** Drops in a row before switching to long-poll (default 3). */
  maxShortConnections?: number;
}

/**
 * Where a read starts: `"earliest"` or `"-1"` (the earliest retained data), `"now"` (the
 * tail: only what comes next), an offset from an earlier read, or `{ at }`: the first message
 * appended at or after a time (a `Date`, or ms since the epoch), looked up with one HEAD first.
 */
export type StartOffset = string | { at: Date | number };

export interface ReadOptions<T = unknown> {
  /** Where to start (default `"earliest"`). */
  offset?: StartOffset;
  /**
   * Records mode: each message comes with its offsets, seq and append time (`batch.records`,
   * `response.records()`), and `items` are the values. `{ limit }` caps the records per
   * response. Fails with UNSUPPORTED on a server without the records view.
   */
  records?: RecordsOption;
  /** Default `false` (catch-up only). */
  live?: LiveMode;
  /** A cursor from an earlier session, echoed for CDN collapsing (PROTOCOL §10.1). */
  cursor?: string;
  signal?: AbortSignal;
  /** Headers for this session's requests, over the handle's. */
  headers?: DynamicRecord;
  /** Query parameters for this session's requests, over the handle's. */
  params?: DynamicRecord;
  /** Consulted for every failed request of the session. */
  onError?: ReadErrorHandler;
  retry?: RetryOptions;
  /** Limit for catch-up requests and for SSE response headers (default: the handle's, 30 s). */
  timeoutMs?: number;
  /** Limit for one long-poll request; must exceed the server's long-poll wait (default 60 s). */
  longPollTimeoutMs?: number;
  autoFallback?: AutoFallbackOptions;
  /** Checks (and may convert) each JSON item; throwing rejects it as a PARSE_ERROR. */
  validate?: (item: unknown) => T;
}

export const DEFAULT_LONG_POLL_TIMEOUT_MS = 60_000;

export const DEFAULT_AUTO_FALLBACK: Required<AutoFallbackOptions> = {
  firstEventTimeoutMs: 3_000,
  minConnectionMs: 1_000,
  maxShortConnections: 3,
};

export const LIVE_MODES: readonly LiveMode[] = [false, "long-poll", "sse", "auto"];

/**
 * Refuses read options that cannot work (INVALID_ARGUMENT naming the option, under `prefix`
 * when they are nested, e.g. a consumer's `read.`). Retry settings are checked where merged.
 */
export function checkReadOptions(url: string, options: ReadOptions<unknown>, prefix = ""): void {
  checkOneOf(url, `${prefix}live`, options.live, LIVE_MODES);
  checkStartOffset(url, `${prefix}offset`, options.offset);
  checkRecordsOption(url, `${prefix}records`, options.records);
  checkNumber(url, `${prefix}timeoutMs`, options.timeoutMs, Rule.limitMs);
  checkNumber(url, `${prefix}longPollTimeoutMs`, options.longPollTimeoutMs, Rule.limitMs);
  checkFunction(url, `${prefix}onError`, options.onError);
  checkFunction(url, `${prefix}validate`, options.validate);
  const auto = options.autoFallback;
  if (auto === undefined) return;
  checkNumber(url, `${prefix}autoFallback.firstEventTimeoutMs`, auto.firstEventTimeoutMs, Rule.delayMs);
  checkNumber(url, `${prefix}autoFallback.minConnectionMs`, auto.minConnectionMs, Rule.nonNegative);
  checkNumber(url, `${prefix}autoFallback.maxShortConnections`, auto.maxShortConnections, Rule.positiveInteger);
}

/** A start offset is a non-empty string or `{ at }` with a valid time (INVALID_ARGUMENT otherwise). */
export function checkStartOffset(url: string, option: string, offset: unknown): void {
  if (offset === undefined || (typeof offset === "string" && offset.length > 0)) return;
  if (typeof offset !== "object" || offset === null) {
    throw invalidArgument(url, option, 'must be an offset, "earliest", "now" or { at }', offset);
  }
  checkTime(url, `${option}.at`, (offset as { at?: unknown }).at);
}

/** A point in time: a valid Date, or ms since the epoch. */
export function checkTime(url: string, option: string, at: unknown): void {
  const time = at instanceof Date ? at.getTime() : at;
  if (!Number.isSafeInteger(time) || (time as number) < 0) {
    throw invalidArgument(url, option, "must be a Date or a whole number of ms since the epoch", at);
  }
}

function checkRecordsOption(url: string, option: string, records: unknown): void {
  if (records === undefined || typeof records === "boolean") return;
  if (typeof records !== "object" || records === null)
    throw invalidArgument(url, option, "must be a boolean or { limit }", records);
  checkNumber(url, `${option}.limit`, (records as { limit?: unknown }).limit, Rule.positiveInteger);
}
