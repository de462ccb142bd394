/**
 * Waiting for something without owning it: the wait can end early (a time limit, a signal)
 * while the work goes on. Used where giving up must not fail what is being waited for, e.g.
 * a producer's flush at shutdown.
 */
import { checkNumber, invalidArgument, Rule, UNLIMITED } from "./check.js";
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
  const { timeoutMs = UNLIMITED, signal } = options;
  if (!signal && timeoutMs === UNLIMITED) return work;
  return new Promise<T>((resolve, reject) => {
    const settle = (finish: () => void) => () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      finish();
    };
    const onAbort = settle(() => reject(abortedError(url, signal?.reason)));
    const message = `Gave up waiting for ${what} after ${timeoutMs} ms; it carries on in the background`;
    const giveUp = settle(() => reject(new StreamError("TIMEOUT", message, { url })));
    const timer = timeoutMs === UNLIMITED ? undefined : setTimeout(giveUp, timeoutMs);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => settle(() => resolve(value))(),
      (error: unknown) => settle(() => reject(error))(),
    );
  });
}
