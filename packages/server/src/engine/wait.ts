/** Waiting for a stream to move past a position: the core of long-poll and SSE. */
import type { LiveSet, LiveWaiter, WakeReason } from "./live.js";
import type { StreamState } from "./stream-state.js";

/** What waiting needs of the engine: whether it is shutting down, and whether the stream still exists. */
export interface LiveStreams {
  readonly draining: boolean;
  holds(stream: StreamState): boolean;
}

/**
 * Resolves when the stream has data past `position`, is closed, is deleted, `timeoutMs`
 * passes, or `abort` fires. The caller holds a live session (Engine.acquireLive) throughout.
 */
export function waitForData(
  engine: LiveStreams,
  stream: StreamState,
  position: number,
  timeoutMs: number,
  abort: (listener: () => void) => void,
): Promise<WakeReason> {
  if (stream.tail > position) return Promise.resolve("data");
  if (engine.draining) return Promise.resolve("closing");
  if (stream.closed) return Promise.resolve("closed");
  if (stream.softDeleted || !engine.holds(stream)) return Promise.resolve("gone");
  // The caller's session keeps the live set; waiting adds a waiter to it, not another session.
  const live = stream.live;
  if (!live) throw new Error("waitForData needs a live session (Engine.acquireLive)");
  return new Promise((resolve) => {
    const waiter = new TimedWaiter(live, resolve);
    waiter.timer = setTimeout(() => waiter.wake("timeout"), Math.max(0, timeoutMs));
    live.add(waiter);
    abort(() => waiter.wake("aborted"));
  });
}

/** One wait: settles once, on the first of a wakeup, its timeout, or the client leaving. */
class TimedWaiter implements LiveWaiter {
  timer: NodeJS.Timeout | undefined;
  private settled = false;

  constructor(
    private readonly live: LiveSet,
    private readonly resolve: (reason: WakeReason) => void,
  ) {}

  wake(reason: WakeReason): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.live.remove(this);
    this.resolve(reason);
  }
}
