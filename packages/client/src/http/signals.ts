/**
 * One AbortSignal per request, fed by the caller's signals and an optional timeout, that
 * remembers which of them fired (a timeout is TIMEOUT, a caller's abort is ABORTED).
 * Listeners are removed on dispose, so long-lived caller signals do not accumulate them.
 */

export interface RequestSignal {
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly abortReason: unknown;
  /** Stops the timeout (e.g. once streaming headers arrived); caller signals stay linked. */
  clearTimeout(): void;
  /** Aborts the request from inside (e.g. an SSE stall), as if a caller signal fired. */
  abort(reason?: unknown): void;
  dispose(): void;
}

export function requestSignal(signals: readonly (AbortSignal | undefined)[], timeoutMs?: number): RequestSignal {
  const controller = new AbortController();
  let timedOut = false;
  let aborted = false;
  let abortReason: unknown;
  const cleanups: (() => void)[] = [];

  const abortFrom = (reason: unknown) => {
    if (controller.signal.aborted) return;
    aborted = true;
    abortReason = reason;
    controller.abort(reason);
  };

  for (const source of signals) {
    if (!source) continue;
    if (source.aborted) {
      abortFrom(source.reason);
      break;
    }
    const listener = () => abortFrom(source.reason);
    source.addEventListener("abort", listener, { once: true });
    cleanups.push(() => source.removeEventListener("abort", listener));
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  if (timeoutMs !== undefined && Number.isFinite(timeoutMs) && !controller.signal.aborted) {
    timer = setTimeout(() => {
      if (controller.signal.aborted) return;
      timedOut = true;
      controller.abort(new Error(`Timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  }

  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    get aborted() {
      return aborted;
    },
    get abortReason() {
      return abortReason;
    },
    clearTimeout() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    abort(reason?: unknown) {
      abortFrom(reason);
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
}
