/**
 * Out-of-order producer arrival (PROTOCOL §5.2.1 concurrency): pipelined appends can arrive
 * out of order, so one whose seq skips ahead waits briefly for another append of the same
 * stream to be decided, instead of failing at once.
 */
import type { StreamState } from "./stream-state.js";

export class ProducerWaits {
  private readonly waiters = new WeakMap<StreamState, Set<() => void>>();

  /** Waits until another append of this stream is decided, or `timeoutMs` passes. */
  wait(stream: StreamState, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(stream);
      if (!set) {
        set = new Set();
        this.waiters.set(stream, set);
      }
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      set.add(done);
    });
  }

  /** An append of `stream` was decided: every waiter re-decides. */
  progressed(stream: StreamState): void {
    const waiters = this.waiters.get(stream);
    if (!waiters) return;
    this.waiters.delete(stream);
    for (const wake of waiters) wake();
  }
}
