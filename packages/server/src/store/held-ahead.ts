/**
 * Work begun before it is asked for, held for the one request expected to take it: the next
 * chunk of a reader catching up (store/file/read-ahead.ts), or that chunk read and framed as
 * records (engine/records-ahead.ts). Each piece is handed out once.
 *
 * Only a few are held. When all places are taken a new piece is not begun, rather than pushing
 * out one its reader is about to take: with many readers catching up at once, evicting would do
 * every piece twice. A piece not taken for a while (its reader went away) gives way.
 */

/** Pieces held at most. */
export const MAX_HELD = 8;
/** A piece held this long without being taken is given up when a new one needs its place. */
export const STALE_MS = 2_000;

interface Held<O, V> {
  readonly owner: O;
  readonly start: number;
  readonly end: number;
  /** When it was begun (ms, `now`). */
  readonly at: number;
  /** Undefined when the work failed: the taker does it again and meets the failure itself. */
  readonly value: Promise<V | undefined>;
}

export class HeldAhead<O, V> {
  private held: Held<O, V>[] = [];

  /**
   * `serves(held, start, end)`: whether a piece done for [held.start, held.end) answers a
   * request for [start, end) — the exact range for bytes, a range within it for index entries.
   */
  constructor(
    private readonly serves: (held: { start: number; end: number }, start: number, end: number) => boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Starts `work` for [start, end) unless a piece serving it is held or no place is free.
   * Returns the piece held for it (begun now or before); undefined when none is.
   */
  begin(owner: O, start: number, end: number, work: () => Promise<V>): Promise<V | undefined> | undefined {
    const found = this.find(owner, start, end);
    if (found >= 0) return this.held[found]!.value;
    const at = this.now();
    if (this.held.length >= MAX_HELD) {
      if (this.held[0]!.at > at - STALE_MS) return undefined;
      this.held.shift();
    }
    const value = work().then(
      (done) => done,
      () => undefined,
    );
    this.held.push({ owner, start, end, at, value });
    return value;
  }

  /** The piece that serves [start, end), handed out once; undefined if none is held. */
  take(owner: O, start: number, end: number): Promise<V | undefined> | undefined {
    const index = this.find(owner, start, end);
    if (index < 0) return undefined;
    const [held] = this.held.splice(index, 1);
    return held!.value;
  }

  /** Drops every piece held for `owner`. */
  forget(owner: O): void {
    if (this.held.some((held) => held.owner === owner)) this.held = this.held.filter((held) => held.owner !== owner);
  }

  /** Drops every piece held. */
  clear(): void {
    this.held = [];
  }

  private find(owner: O, start: number, end: number): number {
    return this.held.findIndex((held) => held.owner === owner && this.serves(held, start, end));
  }
}
