/** Waiting for a stream to move past a position: the core of long-poll and SSE. */
import { type Expiring, type LifetimeQueue, lifetimeQueue } from "./lifetime-queue.js";
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
    const waiter = new TimedWaiter(live, lifetimeQueue(timeoutMs), resolve);
    live.add(waiter);
    abort(() => waiter.wake("aborted"));
  });
}

/**
 * One wait: settles once, on the first of a wakeup, its timeout, or the client leaving. Its
 * timeout is a place in the queue of waits of the same length, not a timer of its own: a
 * fan-out re-arms thousands of waits per append.
 */
class TimedWaiter implements LiveWaiter, Expiring {
  expiresAt = 0;
  previousExpiring: Expiring | undefined;
  nextExpiring: Expiring | undefined;
  private settled = false;
  liveList: LiveWaiter["liveList"];
  liveSlot = -1;

  constructor(
    private readonly live: LiveSet,
    private readonly deadlines: LifetimeQueue,
    private readonly resolve: (reason: WakeReason) => void,
  ) {
    deadlines.add(this);
  }

  expire(): void {
    this.wake("timeout");
  }

  wake(reason: WakeReason): void {
    if (this.settled) return;
    this.settled = true;
    this.deadlines.remove(this);
    this.live.remove(this);
    this.resolve(reason);
  }
}
