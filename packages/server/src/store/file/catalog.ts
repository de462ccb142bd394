/**
 * The file store's catalog: the durable state of every stream, rebuilt from the checkpoint
 * and the log on open, and kept current as records commit. It is what a checkpoint writes.
 */
import { ForkRefs } from "../fork-refs.js";
import { PathIndex } from "../path-index.js";
import { metaWith } from "../stream-meta.js";
import type { StoredStream, StreamMeta } from "../types.js";
import type { CompletedBlock } from "./block-crc.js";
import type { WalRecord } from "./codec.js";
import { Entry } from "./entry.js";
import type { PlacedEntry } from "./index-files.js";
import { DEFAULT_SEGMENT_BYTES, layoutOf, type SegmentLayout } from "./segments.js";

export { Entry };

const NOTHING = { placed: [] as PlacedEntry[], completed: [] as CompletedBlock[] };

/** What replaying a record did to a stream's files: index entries placed, blocks completed, segments freed. */
export interface Replayed {
  readonly entry: Entry;
  readonly placed: PlacedEntry[];
  readonly completed: CompletedBlock[];
  readonly freed?: number[];
}

/**
 * Every stream by path, with the fork references between them. Lookup by id is only needed
 * while replaying the log, so that index exists only during recovery.
 */
export class Catalog {
  readonly byPath = new Map<string, Entry>();
  readonly forks = new ForkRefs();
  nextId = 1;
  /** The layout new streams get. */
  readonly layout: SegmentLayout;
  private replayIndex: Map<number, Entry> | undefined;
  /** Paths in order for listings. */
  private readonly index = new PathIndex((path) => this.byPath.has(path));

  constructor(segmentBytes = DEFAULT_SEGMENT_BYTES) {
    this.layout = layoutOf(segmentBytes);
  }

  /** A new stream's entry (not yet added). */
  entryFor(id: number, meta: StreamMeta): Entry {
    return new Entry(id, meta, this.layout);
  }

  add(entry: Entry): void {
    const replaced = this.byPath.get(entry.meta.path);
    if (replaced) this.forks.removed(replaced.meta);
    this.byPath.set(entry.meta.path, entry);
    this.forks.added(entry.meta);
    this.replayIndex?.set(entry.id, entry);
    if (entry.id >= this.nextId) this.nextId = entry.id + 1;
    if (!replaced) this.index.add(entry.meta.path);
  }

  delete(entry: Entry): void {
    if (this.byPath.get(entry.meta.path) === entry) {
      this.byPath.delete(entry.meta.path);
      this.forks.removed(entry.meta);
      this.index.removed();
    }
    this.replayIndex?.delete(entry.id);
  }

  /** The entry's durable state, as a lookup answers it. */
  stored(entry: Entry): StoredStream {
    return entry.toStored(this.forks.of(entry.meta.path));
  }

  /** Paths starting with `prefix`, after `after`, in order, at most `limit`. */
  page(prefix: string, after: string | undefined, limit: number): Entry[] {
    return this.index.page(prefix, after, limit).map((path) => this.byPath.get(path)!);
  }

  /** Whether `entry` is still the stream at its path (not removed or replaced). */
  holds(entry: Entry): boolean {
    return this.byPath.get(entry.meta.path) === entry;
  }

  entries(): IterableIterator<Entry> {
    return this.byPath.values();
  }

  beginReplay(): void {
    this.replayIndex = new Map([...this.byPath.values()].map((entry) => [entry.id, entry]));
  }

  endReplay(): void {
    this.replayIndex = undefined;
  }

  /**
   * Replays one log record during recovery. Returns the entry whose data the record carries,
   * so the caller can rewrite it into the stream's files, with the index entries it placed and
   * the blocks it completed; for a trim, the segments it freed.
   */
  replay(record: WalRecord): Replayed | undefined {
    if (record.id >= this.nextId) this.nextId = record.id + 1;
    if (record.type === "create") {
      const stale = this.byPath.get(record.meta.path);
      if (stale) this.delete(stale);
      const entry = this.entryFor(record.id, record.meta);
      // A stream created by a release without the append index gets one built after replay.
      if (record.legacy) entry.indexed = false;
      this.add(entry);
      return { entry, ...(record.first ? entry.apply(record.first) : NOTHING) };
    }
    const entry = this.replayIndex?.get(record.id);
    if (!entry) return undefined;
    switch (record.type) {
      case "append":
        if (record.legacy) entry.indexed = false;
        return { entry, ...entry.apply(record.record) };
      case "mark-deleted":
        entry.softDeleted = true;
        return undefined;
      case "trim":
        return { entry, ...NOTHING, freed: entry.trim(record.earliest) };
      case "configure":
        entry.meta = metaWith(entry.meta, { retention: record.retention });
        return undefined;
      case "remove":
        this.delete(entry);
        return undefined;
    }
  }

  /** The entry with this id during replay. */
  replayed(id: number): Entry | undefined {
    return this.replayIndex?.get(id);
  }
}
