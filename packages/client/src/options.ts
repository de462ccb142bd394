/**
 * Options shared by every entry point (stream handle, read-only `stream()`, producer,
 * consumer): how to fetch, what to send, how long to wait, how to retry, whom to tell.
 */
import { checkFunction, checkNumber, invalidArgument, Rule } from "./check.js";
import type { EventHook } from "./observability/events.js";
import type { RetryOptions } from "./retry.js";

export type MaybePromise<T> = T | Promise<T>;

/** A value sent with every request, or a function evaluated for each request (e.g. a fresh token). */
export type DynamicValue = string | (() => MaybePromise<string | undefined>);

/** Header or query-parameter values: a record of (possibly dynamic) values, or one function for all. */
export type DynamicRecord = Readonly<Record<string, DynamicValue>> | (() => MaybePromise<Record<string, string>>);

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: FetchLike;
  /** Headers for every request, e.g. `{ authorization: () => \`Bearer ${token()}\` }`. */
  headers?: DynamicRecord;
  /** Query parameters for every request (auth extensions, §11.2). */
  params?: DynamicRecord;
  /**
   * Longest time one operation (create, append, head, close, delete, fork) may take, its
   * retries included (default 30 s; `Infinity` for none). Reads apply it to each catch-up
   * request, producers to each batch request; live reads have their own limits.
   */
  timeoutMs?: number;
  /** Backoff for retryable failures. */
  retry?: RetryOptions;
  /** Receives request, read, producer and consumer events. */
  onEvent?: EventHook;
  /** Aborts every request made through this handle. */
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Refuses client options that cannot work (the retry settings are checked where they are merged). */
export function checkClientOptions(url: string, options: ClientOptions): void {
  checkFunction(url, "fetch", options.fetch);
  checkFunction(url, "onEvent", options.onEvent);
  checkNumber(url, "timeoutMs", options.timeoutMs, Rule.limitMs);
  checkDynamicRecord(url, "headers", options.headers);
  checkDynamicRecord(url, "params", options.params);
}

/** Headers or params: undefined, an object of values, or a function. */
export function checkDynamicRecord(url: string, option: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function" && (typeof value !== "object" || value === null)) {
    throw invalidArgument(url, option, "must be an object or a function", value);
  }
}

/** Evaluates a dynamic record now; functions returning undefined leave the entry out. */
export async function resolveRecord(record: DynamicRecord | undefined): Promise<Record<string, string>> {
  if (record === undefined) return {};
  if (typeof record === "function") return { ...(await record()) };
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    const resolved = typeof value === "function" ? await value() : value;
    if (resolved !== undefined) out[key] = resolved;
  }
  return out;
}

/** Lower-cases header names so later layers override earlier ones regardless of spelling. */
export function normaliseHeaders(
  ...layers: (Record<string, string | undefined> | undefined)[]
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) out[key.toLowerCase()] = value;
    }
  }
  return out;
}
