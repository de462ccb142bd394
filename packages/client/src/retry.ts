/**
 * Retry timing: exponential backoff with jitter, and the server's `Retry-After`. Whether to
 * retry at all is decided by the caller from the error (`isRetryable`) and its own rules.
 */
import { checkNumber, invalidArgument, Rule } from "./check.js";

export interface RetryOptions {
  /** Delay before the first retry (default 100 ms). */
  initialDelayMs?: number;
  /** Ceiling of the backoff delay (default 10 s). `Retry-After` may ask for longer and is honoured. */
  maxDelayMs?: number;
  /** Growth factor per attempt (default 2). */
  multiplier?: number;
  /** Retries after the first failure before giving up (default 8; `Infinity` never gives up). */
  maxRetries?: number;
  /** Fraction of the delay randomised away, 0–1 (default 0.5): spreads reconnect storms. */
  jitter?: number;
}

export type RetryPolicy = Readonly<Required<RetryOptions>>;

export const DEFAULT_RETRY: RetryPolicy = {
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  maxRetries: 8,
  jitter: 0.5,
};

export function retryPolicy(...layers: (RetryOptions | undefined)[]): RetryPolicy {
  const merged: Required<RetryOptions> = { ...DEFAULT_RETRY };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer) as [keyof RetryOptions, number | undefined][]) {
      if (value !== undefined) merged[key] = value;
    }
  }
  return merged;
}

/**
 * `retryPolicy`, refusing values that cannot work with INVALID_ARGUMENT naming `option.field`
 * (`option` is where the caller put the settings, e.g. `retry` or `reconnect`).
 */
export function checkedRetryPolicy(url: string, option: string, ...layers: (RetryOptions | undefined)[]): RetryPolicy {
  for (const layer of layers) {
    if (!layer) continue;
    if (typeof layer !== "object") throw invalidArgument(url, option, "must be an object", layer);
    checkNumber(url, `${option}.initialDelayMs`, layer.initialDelayMs, Rule.delayMs);
    checkNumber(url, `${option}.maxDelayMs`, layer.maxDelayMs, Rule.delayMs);
    checkNumber(url, `${option}.multiplier`, layer.multiplier, Rule.atLeastOne);
    checkNumber(url, `${option}.maxRetries`, layer.maxRetries, Rule.countOrInfinity);
    checkNumber(url, `${option}.jitter`, layer.jitter, Rule.fraction);
  }
  const policy = retryPolicy(...layers);
  if (policy.maxDelayMs < policy.initialDelayMs) {
    const problem = `must not be below ${option}.initialDelayMs (${policy.initialDelayMs} ms)`;
    throw invalidArgument(url, `${option}.maxDelayMs`, problem, policy.maxDelayMs);
  }
  return policy;
}

/**
 * The backoff before retry number `attempt` (0 = first retry): the exponential delay capped
 * at `maxDelayMs`, then reduced by up to `jitter` of itself at random.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.max(0, capped * (1 - policy.jitter * random()));
}

/** The delay before a retry: never sooner than the server's `Retry-After`. */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const backoff = backoffDelay(policy, attempt, random);
  return retryAfterMs === undefined ? backoff : Math.max(backoff, retryAfterMs);
}

/** `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date; undefined when absent or malformed. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // HTTP dates name the day and month in letters; this keeps Date.parse's leniency out.
  if (!/^[A-Za-z]{3}, /.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
