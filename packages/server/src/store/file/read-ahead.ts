/**
 * Reads begun before they are asked for. A reader catching up asks for one chunk after another,
 * each starting where the last answer ended; reading the next chunk while the last one is on
 * its way to the client hides the read (two thread-pool round trips: data and checksums) from
 * the client's wait, which is what a catch-up read spends most of its time on.
 *
 * Bytes below a stream's tail never change, except when compaction rewrites a segment: the data
 * files forget a stream's reads ahead at that moment. A read that retention overtook is no
 * answer either: the caller checks retention again when it takes one. Each read ahead is handed
 * out once (it may sit in a pooled buffer the reply gives back).
 *
 * Only a few are held. When all places are taken a new one is not begun, rather than pushing
 * out one its reader is about to take: with many readers catching up at once, evicting would
 * read every chunk twice. A read not taken for a while (its reader went away) gives way.
 */
import type { Entry } from "./catalog.js";

/** Reads held at most: one chunk each (≤ 1 MiB + 64 KiB by default), so a few MiB in all. */
export const MAX_HELD = 8;
/** A read held this long without being taken is given up when a new one needs its place. */
export const STALE_MS = 2_000;

interface Held {
  readonly entry: Entry;
  readonly start: number;
  readonly end: number;
  /** When it was begun (ms, `now`). */
  readonly at: number;
  /** Undefined when the read failed: the taker reads again and meets the failure itself. */
  readonly bytes: Promise<Uint8Array | undefined>;
}

export class ReadAhead {
  private held: Held[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Starts `read` of [start, end) unless it is already held, or every place is taken by a read
   * begun less than STALE_MS ago (the oldest stale one gives way).
   */
  begin(entry: Entry, start: number, end: number, read: () => Promise<Uint8Array>): void {
    if (this.find(entry, start, end) >= 0) return;
    const at = this.now();
    if (this.held.length >= MAX_HELD) {
      if (this.held[0]!.at > at - STALE_MS) return;
      this.held.shift();
    }
    const bytes = read().then(
      (value) => value,
      () => undefined,
    );
    this.held.push({ entry, start, end, at, bytes });
  }

  /** The read of exactly [start, end), handed out once; undefined if none is held. */
  take(entry: Entry, start: number, end: number): Promise<Uint8Array | undefined> | undefined {
    const index = this.find(entry, start, end);
    if (index < 0) return undefined;
    const [held] = this.held.splice(index, 1);
    return held!.bytes;
  }

  /** Drops every read held for the stream: its bytes are about to change (compaction). */
  forget(entry: Entry): void {
    if (this.held.some((held) => held.entry === entry)) this.held = this.held.filter((held) => held.entry !== entry);
  }

  private find(entry: Entry, start: number, end: number): number {
    return this.held.findIndex((held) => held.entry === entry && held.start === start && held.end === end);
  }
}
