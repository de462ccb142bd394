/**
 * Live fan-out. Every long-poll and SSE reader waiting on a stream registers here; one
 * notification per committed append wakes them all, and the append's bytes are kept in
 * `recent` while anyone listens, so the woken readers share them instead of each reading the
 * store (one storage read per append at most, however many waiters). What readers derive from
 * those bytes (an encoded SSE event, a compressed body) is built once and shared too (`shared`).
 */
/** Why a waiter woke; `closing` means the server is shutting down. */
export type WakeReason = "data" | "closed" | "timeout" | "gone" | "aborted" | "closing";

/**
 * A reader waiting on a stream. An object with a method rather than a closure, so a session
 * can be its own waiter and a connection keeps no extra function alive while it waits. The
 * `live…` fields are the waiter's place in a LiveSet, kept by the set alone.
 */
export interface LiveWaiter {
  wake(reason: WakeReason): void;
  /** The list holding the waiter, while it waits; undefined otherwise. */
  liveList: WaiterList | undefined;
  /** Its index in `liveList`. */
  liveSlot: number;
}

type WaiterList = (LiveWaiter | undefined)[];

const RECENT_LIMIT = 1 << 20;
/** Distinct derived forms kept per append (encodings × views × cursors); more is a miss, not growth. */
const SHARED_LIMIT = 32;
/** The longest pause between fan-outs (ms): what pacing may add to an append's delivery. */
const MAX_PAUSE_MS = 25;
/** Removed waiters leave holes; past this many (and more than waiters), the list is packed. */
const HOLES_BEFORE_PACKING = 64;

export class LiveSet {
  /**
   * Waiters in an array rather than a Set: a fan-out wakes every one and most re-register at
   * once, thousands per append, and pushing onto a reused array is cheaper than re-filling a
   * fresh Set. Removal leaves a hole (the waiter knows its slot), so it is O(1) too.
   */
  private waiters: WaiterList = [];
  /** The list to wake into next; undefined while a wakeAll is using it. */
  private spare: WaiterList | undefined = [];
  private count = 0;
  private holes = 0;
  /** A wakeForAppend not yet delivered, and why. */
  private pendingWake: "data" | "closed" | undefined;
  /** When the last append's fan-out ended and how long it took (ms on `clock`). */
  private lastWakeEnd = 0;
  private lastWakeCost = 0;
  private derived = new Map<string, unknown>();
  /** Live sessions (long-polls and SSE connections) reading this stream, waiting or not. */
  sessions = 0;
  /** Bytes of the latest committed appends, contiguous: [recentStart, recentEnd). */
  recentStart = 0;
  recentEnd = 0;
  private recentParts: Uint8Array[] = [];
  private recentSize = 0;

  constructor(private readonly clock: () => number = monotonicMs) {}

  get size(): number {
    return this.count;
  }

  add(waiter: LiveWaiter): void {
    if (waiter.liveList === this.waiters) return;
    // A waiter is in one list at a time: re-adding one still listed elsewhere moves it.
    if (waiter.liveList) this.remove(waiter);
    waiter.liveList = this.waiters;
    waiter.liveSlot = this.waiters.length;
    this.waiters.push(waiter);
    this.count++;
  }

  remove(waiter: LiveWaiter): void {
    const list = waiter.liveList;
    if (!list) return;
    list[waiter.liveSlot] = undefined;
    waiter.liveList = undefined;
    // A waiter of a list being woken (wakeAll) leaves only a hole there.
    if (list !== this.waiters) return;
    this.count--;
    this.holes++;
    if (this.count === 0) {
      this.waiters.length = 0;
      this.holes = 0;
    } else if (this.holes > HOLES_BEFORE_PACKING && this.holes > this.count) this.pack();
  }

  /** Wakes every waiter once; each re-registers (into the next list) if it wants to keep waiting. */
  wakeAll(reason: WakeReason): void {
    if (this.count === 0) return;
    const woken = this.waiters;
    // A nested wakeAll (a waiter's wake causing another) finds no spare and takes a new list.
    this.waiters = this.spare ?? [];
    this.spare = undefined;
    this.count = 0;
    this.holes = 0;
    for (let i = 0; i < woken.length; i++) {
      const waiter = woken[i];
      if (waiter === undefined) continue;
      woken[i] = undefined;
      waiter.liveList = undefined;
      waiter.wake(reason);
    }
    woken.length = 0;
    this.spare = woken;
  }

  /**
   * Wakes every waiter for a committed append, once per burst: a group commit makes its appends
   * visible one after another within a tick, and a reader woken after the last of them answers
   * them all in one reply or event rather than one write per append per reader. Readers get
   * what was committed before they ran.
   *
   * A fan-out that cost real time (thousands of readers, a write each) is followed by a pause
   * as long as it took before the next one: appends committed meanwhile reach each reader as
   * one event, so at high append rates the fan-out keeps at most about half of the loop and
   * the writes per reader per second stay bounded instead of one per group commit. A wake
   * after a quiet spell (an append a second) runs at once, as before. The pause is capped: a
   * fan-out that took long because the machine was busy (its cost is wall time) must not hold
   * the next append back by as long.
   */
  wakeForAppend(reason: "data" | "closed"): void {
    const pending = this.pendingWake;
    this.pendingWake = pending === "data" ? "data" : reason;
    if (pending !== undefined) return;
    const pause = this.lastWakeEnd + Math.min(this.lastWakeCost, MAX_PAUSE_MS) - this.clock();
    // Under a timer's resolution a pause buys nothing: the wake runs in this tick's microtasks.
    if (pause < 1) queueMicrotask(this.wakePending);
    else setTimeout(this.wakePending, pause);
  }

  private readonly wakePending = (): void => {
    const reason = this.pendingWake;
    this.pendingWake = undefined;
    if (!reason) return;
    const started = this.clock();
    this.wakeAll(reason);
    this.lastWakeEnd = this.clock();
    this.lastWakeCost = this.lastWakeEnd - started;
  };

  private pack(): void {
    const packed: WaiterList = [];
    for (const waiter of this.waiters) {
      if (waiter === undefined) continue;
      waiter.liveList = packed;
      waiter.liveSlot = packed.length;
      packed.push(waiter);
    }
    this.waiters = packed;
    this.holes = 0;
  }

  /**
   * What `build` derives from the stream's latest bytes, built once per `key` and handed to
   * every reader asking for the same key until the next append. The key must name everything
   * the value depends on (range, format, cursor…): this only bounds how long it is kept.
   */
  shared<T>(key: string, build: () => T): T {
    if (this.derived.has(key)) return this.derived.get(key) as T;
    const value = build();
    if (this.derived.size >= SHARED_LIMIT) this.derived.clear();
    this.derived.set(key, value);
    return value;
  }

  /** Drops what `shared` keeps under `key` (a build that failed must not answer everyone). */
  unshare(key: string): void {
    this.derived.delete(key);
  }

  remember(position: number, data: Uint8Array): void {
    if (this.derived.size > 0) this.derived = new Map();
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

  /**
   * Whether a committed append began at `position`. Every JSON append is whole messages, each
   * ending in a newline, so such a position is a message start (PROTOCOL §9.1.1) without
   * reading the byte before it, which lies outside `recent` and would cost each woken reader a
   * store read.
   */
  beganAppend(position: number): boolean {
    return this.recentParts.length > 0 && position === this.recentStart;
  }

  /** Bytes [start, end) if they are all in `recent`, else undefined. */
  recall(start: number, end: number): Uint8Array | undefined {
    if (start < this.recentStart || end > this.recentEnd || this.recentParts.length === 0) return undefined;
    const whole = this.recentParts.length === 1 ? this.recentParts[0]! : concat(this.recentParts, this.recentSize);
    if (this.recentParts.length > 1) this.recentParts = [whole];
    return whole.subarray(start - this.recentStart, end - this.recentStart);
  }

  forget(): void {
    this.derived = new Map();
    this.recentParts = [];
    this.recentSize = 0;
    this.recentStart = this.recentEnd = 0;
  }
}

function monotonicMs(): number {
  return performance.now();
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
