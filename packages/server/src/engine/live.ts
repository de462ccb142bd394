/**
 * Live fan-out. Every long-poll and SSE reader waiting on a stream registers here; one
 * notification per committed append wakes them all, and the append's bytes are kept in
 * `recent` while anyone listens, so the woken readers share them instead of each reading the
 * store (one storage read per append at most, however many waiters).
 */
/** Why a waiter woke; `closing` means the server is shutting down. */
export type WakeReason = "data" | "closed" | "timeout" | "gone" | "aborted" | "closing";

const RECENT_LIMIT = 1 << 20;

export class LiveSet {
  private readonly waiters = new Set<(reason: WakeReason) => void>();
  /** Live sessions (long-polls and SSE connections) reading this stream, waiting or not. */
  sessions = 0;
  /** Bytes of the latest committed appends, contiguous: [recentStart, recentEnd). */
  recentStart = 0;
  recentEnd = 0;
  private recentParts: Uint8Array[] = [];
  private recentSize = 0;

  get size(): number {
    return this.waiters.size;
  }

  add(wake: (reason: WakeReason) => void): void {
    this.waiters.add(wake);
  }

  remove(wake: (reason: WakeReason) => void): void {
    this.waiters.delete(wake);
  }

  /** Wakes every waiter once; each re-registers if it wants to keep waiting. */
  wakeAll(reason: WakeReason): void {
    if (this.waiters.size === 0) return;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake(reason);
  }

  remember(position: number, data: Uint8Array): void {
    if (data.length === 0) return;
    if (position !== this.recentEnd || this.recentSize + data.length > RECENT_LIMIT) {
      this.recentParts = [];
      this.recentSize = 0;
      this.recentStart = position;
    }
    this.recentParts.push(data);
    this.recentSize += data.length;
    this.recentEnd = position + data.length;
  }

  /** Bytes [start, end) if they are all in `recent`, else undefined. */
  recall(start: number, end: number): Uint8Array | undefined {
    if (start < this.recentStart || end > this.recentEnd || this.recentParts.length === 0) return undefined;
    const whole = this.recentParts.length === 1 ? this.recentParts[0]! : concat(this.recentParts, this.recentSize);
    if (this.recentParts.length > 1) this.recentParts = [whole];
    return whole.subarray(start - this.recentStart, end - this.recentStart);
  }

  forget(): void {
    this.recentParts = [];
    this.recentSize = 0;
    this.recentStart = this.recentEnd = 0;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
