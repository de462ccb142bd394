/**
 * Waiting for something without owning it: the wait can end early (a time limit, a signal)
 * while the work goes on. Used where giving up must not fail what is being waited for, e.g.
 * a producer's flush at shutdown.
 */
import { checkNumber, invalidArgument, Rule } from "./check.js";
import { abortedError, StreamError } from "./errors.js";

export interface WaitOptions {
  /** Stop waiting after this long (TIMEOUT); the work carries on. */
  timeoutMs?: number;
  /** Stop waiting when this fires (ABORTED); the work carries on. */
  signal?: AbortSignal;
}

/** Refuses wait options that cannot work (INVALID_ARGUMENT naming the option). */
export function checkWaitOptions(url: string, options: WaitOptions): void {
  checkNumber(url, "timeoutMs", options.timeoutMs, Rule.limitMs);
  const { signal } = options;
  if (signal !== undefined && typeof (signal as Partial<AbortSignal>).addEventListener !== "function") {
    throw invalidArgument(url, "signal", "must be an AbortSignal", signal);
  }
}

/** `work`, or a rejection once the limit passes or the signal fires; `what` names it in the TIMEOUT message. */
export function waitWithin<T>(work: Promise<T>, url: string, what: string, options: WaitOptions): Promise<T> {
  const { timeoutMs, signal } = options;
  if (signal === undefined && (timeoutMs === undefined || timeoutMs === Number.POSITIVE_INFINITY)) return work;
  if (signal?.aborted) return Promise.reject(abortedError(url, signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => finish(() => reject(abortedError(url, signal?.reason)));
    const timer =
      timeoutMs === undefined || timeoutMs === Number.POSITIVE_INFINITY
        ? undefined
        : setTimeout(() => {
            const message = `Gave up waiting for ${what} after ${timeoutMs} ms; it carries on in the background`;
            finish(() => reject(new StreamError("TIMEOUT", message, { url })));
          }, timeoutMs);
    const finish = (settle: () => void) => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      settle();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}
