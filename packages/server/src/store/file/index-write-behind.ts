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
import type { IndexEntry } from "../types.js";
import type { Entry } from "./catalog.js";
import { decodeIndexEntry, INDEX_ENTRY_BYTES, type PlacedEntry } from "./index-files.js";

export interface IndexWriteBehindTarget {
  /** Writes encoded entries into a segment's index file from `slot` on. */
  write(entry: Entry, segment: number, slot: number, bytes: Uint8Array): Promise<void>;
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

/** Index writes in flight at once (libuv runs 4 I/O threads by default). */
const WRITERS = 2;

export class IndexWriteBehind {
  /**
   * Committed entries not yet written, per stream, in order. Within a segment they are always
   * its last slots: a run loses entries from its front only, once they are written.
   */
  private pending = new Map<Entry, Run[]>();
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

  /** Entries waiting to be written (for tests). */
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
    let runs = this.pending.get(entry);
    if (!runs) {
      runs = [];
      this.pending.set(entry, runs);
    }
    for (const item of placed) {
      let run = runs.at(-1);
      if (!run || run.segment !== item.segment || run.first + run.count !== item.slot) {
        run = { segment: item.segment, first: item.slot, count: 0, bytes: new Uint8Array(8 * INDEX_ENTRY_BYTES) };
        runs.push(run);
      }
      append(run, item.bytes);
    }
    this.size += placed.length;
    this.schedule(this.size >= this.options.maxEntries ? 0 : this.options.delayMs);
  }

  /**
   * The waiting entries of `segment` from slot `from` (before `from + count`), and the first
   * slot that is waiting (every slot from it to the segment's count is; those before it are in
   * the file). Taken synchronously: an entry leaves only once its write has completed.
   */
  held(entry: Entry, segment: number, from: number, count: number): { first: number; entries: IndexEntry[] } {
    const run = this.pending.get(entry)?.find((r) => r.segment === segment && r.count > 0);
    if (!run) return { first: Number.POSITIVE_INFINITY, entries: [] };
    const entries: IndexEntry[] = [];
    const end = Math.min(from + count, run.first + run.count);
    for (let slot = Math.max(from, run.first); slot < end; slot++) {
      entries.push(decodeIndexEntry(run.bytes, (slot - run.first) * INDEX_ENTRY_BYTES, slot)!);
    }
    return { first: run.first, entries };
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
    const runs = this.pending.get(entry);
    if (runs) {
      const kept = runs.filter((run) => !gone(run.segment));
      for (const run of runs) if (gone(run.segment)) this.size -= run.count;
      // A new array: a write in flight then leaves what it wrote to the next flush (rewritten, harmless).
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
      // A failure was reported (events.failed); its entries stay and flush() scheduled the retry.
      void this.flush().catch(() => {});
    }, delayMs);
    this.timer.unref();
  }

  /**
   * One write per run (usually one per stream) of everything waiting now; entries added
   * meanwhile wait for the next. A few streams at a time: the log's writes share the same I/O
   * threads, and a commit must not queue behind hundreds of index writes (10k busy streams).
   */
  private async writeAll(): Promise<void> {
    const taken = [...this.pending].map(([entry, runs]) => ({
      entry,
      runs,
      counts: runs.map((run) => run.count),
    }));
    const errors: unknown[] = [];
    const writeStream = async ({ entry, runs, counts }: (typeof taken)[number]) => {
      try {
        // Only the runs there were when the flush began: add() may push new ones (a new segment) meanwhile.
        for (const [i, count] of counts.entries()) {
          const run = runs[i]!;
          if (count === 0 || this.target.dropped(entry, run.segment)) continue;
          await this.target.write(entry, run.segment, run.first, run.bytes.slice(0, count * INDEX_ENTRY_BYTES));
        }
      } catch (error) {
        errors.push(error);
        return;
      }
      // Dropped or forgotten meanwhile: the runs were replaced; what is left is written next time.
      if (this.pending.get(entry) !== runs) return;
      for (const [i, count] of counts.entries()) {
        shift(runs[i]!, count);
        this.size -= count;
      }
      const left = runs.filter((run) => run.count > 0);
      if (left.length > 0) this.pending.set(entry, left);
      else this.pending.delete(entry);
    };
    let next = 0;
    const worker = async () => {
      while (next < taken.length) await writeStream(taken[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(WRITERS, taken.length) }, worker));
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

/**
 * Waiting entries of one segment with consecutive slots, packed as they go to the file: a
 * waiting entry costs its 32 bytes, not an object per entry for the collector to move.
 */
interface Run {
  readonly segment: number;
  /** The slot of the first waiting entry. */
  first: number;
  count: number;
  bytes: Uint8Array;
}

function append(run: Run, entry: Uint8Array): void {
  const at = run.count * INDEX_ENTRY_BYTES;
  if (at + INDEX_ENTRY_BYTES > run.bytes.length) {
    const grown = new Uint8Array(run.bytes.length * 2);
    grown.set(run.bytes.subarray(0, at));
    run.bytes = grown;
  }
  run.bytes.set(entry, at);
  run.count++;
}

/** Drops the first `written` entries of a run. */
function shift(run: Run, written: number): void {
  if (written === 0) return;
  run.bytes.copyWithin(0, written * INDEX_ENTRY_BYTES, run.count * INDEX_ENTRY_BYTES);
  run.first += written;
  run.count -= written;
}
