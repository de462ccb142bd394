/**
 * `withRetry(fn, { maxAttempts, baseDelayMs })`: runs `fn` again after a failure that says it is
 * worth retrying (`isRetriable`), with exponential backoff and full jitter (a random wait up to
 * `baseDelayMs · 2^(attempt-1)`, capped), never shorter than the server's `Retry-After`. Anything
 * else — a refusal, a bug — is thrown at once. The seed's own helper, as a library feature.
 */
import { backoffMs, sleep } from "./http.js";
import { invalid } from "./options.js";

export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  maxAttempts?: number;
  /** Base of the backoff, in ms (default 100). */
  baseDelayMs?: number;
  /** Longest wait between attempts, in ms (default 30,000). */
  maxDelayMs?: number;
  /** Stops waiting and retrying. */
  signal?: AbortSignal;
  /** Which failures to retry (default: those with `isRetriable: true`). */
  isRetriable?: (error: unknown) => boolean;
  /** Told of each retry before its wait. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T> | T, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  if (typeof fn !== "function") throw invalid("fn", "must be a function");
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw invalid("maxAttempts", `must be a whole number ≥ 1, got ${maxAttempts}`);
  if (!Number.isFinite(baseDelayMs) || baseDelayMs < 0) throw invalid("baseDelayMs", `must be ≥ 0, got ${baseDelayMs}`);
  const retriable = options.isRetriable ?? isRetriable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !retriable(error) || options.signal?.aborted) throw error;
      const retryAfter = (error as { retryAfterMs?: unknown }).retryAfterMs;
      const delayMs = Math.min(
        maxDelayMs,
        backoffMs(baseDelayMs, attempt, typeof retryAfter === "number" ? retryAfter : undefined),
      );
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}

/** Whether an error says a retry may succeed (`KafkaError.isRetriable`, or a StreamError's `isRetryable`). */
export function isRetriable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const flags = error as { isRetriable?: unknown; isRetryable?: unknown };
  return flags.isRetriable === true || flags.isRetryable === true;
}
