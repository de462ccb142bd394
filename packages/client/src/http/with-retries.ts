/** Retrying a one-shot operation (create, append, head, ...) with backoff. */
import { abortedError, StreamError } from "../errors.js";
import { type RetryPolicy, retryDelay, sleep } from "../retry.js";
import { CONNECT_TIMEOUT, causeCode } from "./error-mapping.js";

export interface RetryContext {
  url: string;
  policy: RetryPolicy;
  /** Limit for all attempts together, in ms: each attempt gets what is left (undefined or Infinity: none). */
  timeoutMs?: number | undefined;
  signals?: readonly (AbortSignal | undefined)[];
  /** Which failures are safe to repeat; default: those marked retryable. */
  shouldRetry?: (error: StreamError) => boolean;
  onRetry?: (error: StreamError, attempt: number, delayMs: number) => void;
}

/** Runs `run` until it succeeds, a failure may not be repeated, or the retries or the time limit run out. */
export async function withRetries<T>(
  run: (attempt: number, timeoutMs: number | undefined) => Promise<T>,
  context: RetryContext,
): Promise<T> {
  const shouldRetry = context.shouldRetry ?? ((error: StreamError) => error.isRetryable);
  const limit = context.timeoutMs;
  const deadline = limit !== undefined && Number.isFinite(limit) ? Date.now() + limit : undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run(attempt, deadline === undefined ? limit : Math.max(1, deadline - Date.now()));
    } catch (error) {
      if (!(error instanceof StreamError) || !shouldRetry(error) || attempt >= context.policy.maxRetries) throw error;
      const delayMs = retryDelay(context.policy, attempt, error.retryAfterMs);
      // A retry that could not finish in time is not worth waiting for.
      if (deadline !== undefined && Date.now() + delayMs >= deadline)
        throw outOfTime(context.url, limit!, error, attempt);
      context.onRetry?.(error, attempt + 1, delayMs);
      await sleepUnlessAborted(delayMs, context.url, context.signals ?? []);
    }
  }
}

function outOfTime(url: string, limitMs: number, last: StreamError, attempt: number): StreamError {
  if (last.code === "TIMEOUT") return last;
  const tries = attempt === 0 ? "1 attempt" : `${attempt + 1} attempts`;
  return new StreamError("TIMEOUT", `No success within ${limitMs} ms (${tries}); last error: ${last.message}`, {
    url,
    status: last.status,
    cause: last,
  });
}

/** Sleeps, turning an abort of any of the signals into an ABORTED StreamError. */
export async function sleepUnlessAborted(
  ms: number,
  url: string,
  signals: readonly (AbortSignal | undefined)[],
): Promise<void> {
  const active = signals.filter((s): s is AbortSignal => s !== undefined);
  const fired = active.find((s) => s.aborted);
  if (fired) throw abortedError(url, fired.reason);
  if (active.length === 0) return sleep(ms);
  const controller = new AbortController();
  const listeners = active.map((s) => {
    const listener = () => controller.abort(s.reason);
    s.addEventListener("abort", listener, { once: true });
    return () => s.removeEventListener("abort", listener);
  });
  try {
    await sleep(ms, controller.signal);
  } catch (reason) {
    throw abortedError(url, reason);
  } finally {
    for (const remove of listeners) remove();
  }
}

/**
 * Failures after which a non-idempotent write (a plain append) certainly did not happen, so
 * repeating it cannot duplicate data: the server refused it (429, 503) or the connection was
 * never made (refused, or not established in time). A lost response is not among them; idempotent producers handle that case.
 */
export function certainlyNotApplied(error: StreamError): boolean {
  if (error.code === "RATE_LIMITED" || error.status === 503) return true;
  const code = causeCode(error.cause);
  return (
    (error.code === "NETWORK" && code === "ECONNREFUSED") || (error.code === "TIMEOUT" && code === CONNECT_TIMEOUT)
  );
}
