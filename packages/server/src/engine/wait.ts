/** Waiting for a stream to move past a position: the core of long-poll and SSE. */
import type { WakeReason } from "./live.js";
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
    let settled = false;
    const finish = (reason: WakeReason) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      live.remove(finish);
      resolve(reason);
    };
    const timer = setTimeout(() => finish("timeout"), Math.max(0, timeoutMs));
    live.add(finish);
    abort(() => finish("aborted"));
  });
}
