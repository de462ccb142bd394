/**
 * Append-index entries written behind the acknowledgement (docs/storage.md, "Append index").
 * The index is derivable: the log holds every committed append, and recovery rewrites the
 * entries of every record it replays. So a committed entry waits in memory and is written
 * shortly after its answer has gone out, coalesced with the stream's other new entries (one
 * write per stream and flush instead of one per stream and group commit), and lookups read
 * it from memory until then. A checkpoint writes every waiting entry before it fsyncs the
 * index files and records their counts, so a checkpoint never claims an entry that is not on
 * disk, and the log it replaces is never deleted while an entry exists only in memory.
 *
 * A failed write (a full disk, no descriptors) loses nothing: the entries stay in memory (and
 * in the log), are retried, and the failure is reported (events.failed).
 */
import type { Entry } from "./catalog.js";
import type { PlacedEntry } from "./index-files.js";

export interface IndexWriteBehindTarget {
  /** Writes entries into their segments' index files. */
  write(entry: Entry, placed: readonly PlacedEntry[]): Promise<void>;
  /** Whether retention deleted the segment's files (its entries need no write). */
  dropped(entry: Entry, segment: number): boolean;
}

export interface IndexWriteBehindEvents {
  /** A flush failed; `failures` counts the consecutive failed flushes. Its entries are kept and retried. */
  failed(error: unknown, failures: number): void;
  /** A flush succeeded after failures. */
  recovered(): void;
}

export interface IndexWriteBehindOptions {
  /** How long new entries wait to be coalesced with later ones before they are written. */
  readonly delayMs: number;
  /** This many waiting entries are written at once, whatever the delay (bounds the memory held). */
  readonly maxEntries: number;
  /** How long after a failed flush it is tried again. */
  readonly retryMs: number;
}

/**
 * 100 ms: with 100 busy streams a stream gathers 10–20 entries per write instead of 1–2 (one
 * write per stream and group commit before); a few thousand entries wait at most (32 B each).
 */
export const INDEX_WRITE_BEHIND: IndexWriteBehindOptions = { delayMs: 100, maxEntries: 8192, retryMs: 1_000 };

export class IndexWriteBehind {
  /**
   * Committed entries not yet written, per stream, in order (by segment, then slot). Within a
   * segment they are always its last slots: entries leave from the front once written.
   */
  private pending = new Map<Entry, PlacedEntry[]>();
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly target: IndexWriteBehindTarget,
    private readonly events: IndexWriteBehindEvents,
    private readonly options: IndexWriteBehindOptions = INDEX_WRITE_BEHIND,
  ) {}

  /** Entries waiting to be written (for tests and the checkpoint). */
  get waiting(): number {
    return this.size;
  }

  /** Whether any of the stream's entries are waiting. */
  holds(entry: Entry): boolean {
    return this.pending.has(entry);
  }

  /** Queues the entries of a committed record (in commit order) to be written soon. */
  add(entry: Entry, placed: readonly PlacedEntry[]): void {
    if (placed.length === 0) return;
    const list = this.pending.get(entry);
    if (list) list.push(...placed);
    else this.pending.set(entry, [...placed]);
    this.size += placed.length;
    this.schedule(this.size >= this.options.maxEntries ? 0 : this.options.delayMs);
  }

  /**
   * The waiting entries of `segment` from slot `from` on (before `from + count`), and the first
   * slot that is waiting (every slot from it to the segment's count is; those before it are in
   * the file). Taken synchronously: an entry leaves only once its write has completed.
   */
  held(entry: Entry, segment: number, from: number, count: number): { first: number; entries: PlacedEntry[] } {
    const list = this.pending.get(entry);
    if (!list) return { first: Number.POSITIVE_INFINITY, entries: [] };
    let at = firstOfSegment(list, segment);
    if (at === list.length || list[at]!.segment !== segment) return { first: Number.POSITIVE_INFINITY, entries: [] };
    const first = list[at]!.slot;
    const entries: PlacedEntry[] = [];
    at += Math.max(0, from - first);
    for (; at < list.length && list[at]!.segment === segment && list[at]!.slot < from + count; at++) {
      entries.push(list[at]!);
    }
    return { first, entries };
  }

  /** Writes every waiting entry; rejects (keeping them waiting) if one cannot be written. */
  async flush(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
    const run = this.writeAll();
    this.running = run;
    try {
      await run;
    } finally {
      this.running = undefined;
      // Entries added while it ran (or kept by a failure) wait for the next one.
      if (this.size > 0) this.schedule(this.size >= this.options.maxEntries ? 0 : this.options.delayMs);
    }
  }

  /** Forgets the waiting entries of segments retention deleted, then waits for a write in flight. */
  async drop(entry: Entry, gone: (segment: number) => boolean): Promise<void> {
    const list = this.pending.get(entry);
    if (list) {
      const kept = list.filter((item) => !gone(item.segment));
      this.size -= list.length - kept.length;
      if (kept.length > 0) this.pending.set(entry, kept);
      else this.pending.delete(entry);
    }
    // A write in flight may be opening one of those files: the caller deletes them after it.
    await this.running?.catch(() => {});
  }

  /** Forgets a removed stream's entries, then waits for a write in flight (see drop). */
  async forget(entry: Entry): Promise<void> {
    await this.drop(entry, () => true);
  }

  /** Stops writing in the background (closing or crashing); what waits is written only by flush(). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.running) return;
    // After a failure, the next try waits whatever comes in meanwhile.
    if (this.failures > 0) delayMs = Math.max(delayMs, this.options.retryMs);
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.background();
    }, delayMs);
    this.timer.unref();
  }

  private async background(): Promise<void> {
    // A failure was reported (events.failed); its entries stay and flush() scheduled the retry.
    await this.flush().catch(() => {});
  }

  /** One write per stream of everything waiting now; entries added meanwhile wait for the next. */
  private async writeAll(): Promise<void> {
    const taken = [...this.pending].map(([entry, list]) => ({ entry, list, count: list.length }));
    const errors: unknown[] = [];
    await Promise.all(
      taken.map(async ({ entry, list, count }) => {
        const live = list.slice(0, count).filter((item) => !this.target.dropped(entry, item.segment));
        try {
          if (live.length > 0) await this.target.write(entry, live);
        } catch (error) {
          errors.push(error);
          return;
        }
        // Dropped or forgotten meanwhile: the list was replaced, and what is left of it is written next time.
        if (this.pending.get(entry) !== list) return;
        list.splice(0, count);
        this.size -= count;
        if (list.length === 0) this.pending.delete(entry);
      }),
    );
    if (errors.length > 0) {
      this.failures++;
      this.events.failed(errors[0], this.failures);
      throw errors[0];
    }
    if (this.failures > 0) {
      this.failures = 0;
      this.events.recovered();
    }
  }
}

/** Index of the first item of `segment` or a later one (items are sorted by segment). */
function firstOfSegment(list: readonly PlacedEntry[], segment: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid]!.segment < segment) low = mid + 1;
    else high = mid;
  }
  return low;
}
