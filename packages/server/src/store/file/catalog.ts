/**
 * The file store's catalog: the durable state of every stream, rebuilt from the checkpoint
 * and the log on open, and kept current as records commit. It is what a checkpoint writes.
 */
import { isJsonContentType, type ProducerClaim, type ProducerState } from "@rivulet/protocol";
import { indexEntriesOf } from "../append-index.js";
import { ForkRefs } from "../fork-refs.js";
import { applyRecord, type RecordTarget, snapshot } from "../record-state.js";
import type { AppendRecord, StoredStream, StreamMeta } from "../types.js";
import { type CompletedBlock, extendBlocks } from "./block-crc.js";
import { metaFromJson, metaToJson, type WalRecord } from "./codec.js";
import type { IndexFences } from "./index-fences.js";
import { IndexCounts, type PlacedEntry, placeEntries } from "./index-files.js";
import { DEFAULT_SEGMENT_BYTES, layoutOf, legacyLayout, type SegmentLayout, segmentOf } from "./segments.js";

interface WriterExtras {
  closedBy: ProducerClaim | undefined;
  lastStreamSeq: string | undefined;
  producers: Map<string, ProducerState> | undefined;
}

/** One stream's durable state. Small: most streams never use producers or Stream-Seq. */
export class Entry implements RecordTarget {
  /** Durable tail: everything below it is in the log and in the data file. */
  tail: number;
  /** Tail including appends accepted but not yet committed; new appends must start here. */
  acceptedTail: number;
  /** First retained position (docs/extensions.md): segments wholly below it are deleted. */
  earliest: number;
  nextSeq: number;
  lastTs: number;
  closed = false;
  softDeleted = false;
  /** Bumped when an accepted append fails, so appends queued behind it fail too. */
  failures = 0;
  /**
   * CRC-32 of the data file's last, partial block, up to the durable tail (block-crc.ts).
   * Meaningless while `checksummed` is false: a stream from the first on-disk format, until
   * its data file has been checksummed at open.
   */
  tailCrc = 0;
  checksummed = true;
  /**
   * False for a stream from a format before the append index, until recovery has built its
   * index from its data (append times and boundaries from then are not known).
   */
  indexed = true;
  /** How its files are cut into segments. */
  layout: SegmentLayout;
  /**
   * Set for an entry of a checkpoint from before segments: its layout was made up with the
   * default segment size, and the store replaces it with one of its own size when it opens.
   */
  layoutGuessed = false;
  /** Entries in each segment's index file (durable). */
  counts = new IndexCounts();
  /** The running store's sparse copy of the index, made by the first lookup that needs one. */
  fences: IndexFences | undefined = undefined;
  /** Counts including appends accepted but not yet committed (only while some are in flight). */
  acceptedCounts: IndexCounts | undefined = undefined;
  acceptedSeq: number;
  acceptedTs: number;
  /** Data-file position up to which the last checkpoint fsynced its files. */
  syncedTail: number;
  /**
   * Segments compaction rewrote (compacted-files.ts), with the bytes each freed. Not in the log
   * or the checkpoint: a segment's `.cpt` file is itself the record, found again at open.
   */
  compacted: Map<number, number> | undefined = undefined;
  private extras: WriterExtras | undefined = undefined;

  constructor(
    readonly id: number,
    public meta: StreamMeta,
    layout: SegmentLayout,
  ) {
    this.tail = this.base;
    this.acceptedTail = this.base;
    this.earliest = meta.inherited?.earliest ?? this.base;
    this.nextSeq = this.acceptedSeq = meta.inherited?.seq ?? 0;
    this.lastTs = this.acceptedTs = meta.inherited?.ts ?? 0;
    this.layout = layout;
    this.syncedTail = 0;
  }

  get closedBy(): ProducerClaim | undefined {
    return this.extras?.closedBy;
  }

  set closedBy(value: ProducerClaim | undefined) {
    if (value !== undefined || this.extras) this.writer().closedBy = value;
  }

  get lastStreamSeq(): string | undefined {
    return this.extras?.lastStreamSeq;
  }

  set lastStreamSeq(value: string | undefined) {
    if (value !== undefined || this.extras) this.writer().lastStreamSeq = value;
  }

  get producers(): Map<string, ProducerState> | undefined {
    return this.extras?.producers;
  }

  producerMap(): Map<string, ProducerState> {
    const writer = this.writer();
    writer.producers ??= new Map();
    return writer.producers;
  }

  private writer(): WriterExtras {
    this.extras ??= { closedBy: undefined, lastStreamSeq: undefined, producers: undefined };
    return this.extras;
  }

  get base(): number {
    return this.meta.fork?.position ?? 0;
  }

  get json(): boolean {
    return isJsonContentType(this.meta.contentType);
  }

  /**
   * Accepts an append (not yet committed): checks it starts at the accepted tail, and places
   * its index entries in their files, counting them as accepted.
   */
  accept(record: AppendRecord): PlacedEntry[] {
    const entries = this.indexed
      ? indexEntriesOf({ nextSeq: this.acceptedSeq, lastTs: this.acceptedTs }, record, this.json)
      : [];
    this.acceptedCounts ??= this.counts.copy();
    const placed = placeEntries(this.layout, this.base, this.acceptedCounts, entries);
    this.acceptedTail = record.position + record.data.length;
    this.acceptedSeq += record.messages;
    if (record.messages > 0) this.acceptedTs = Math.max(this.acceptedTs, record.ts);
    return placed;
  }

  /** An accepted append failed: what is accepted goes back to what is durable. */
  rewind(): void {
    this.acceptedTail = this.tail;
    this.acceptedSeq = this.nextSeq;
    this.acceptedTs = this.lastTs;
    this.acceptedCounts = undefined;
  }

  /**
   * Applies a committed append to the durable state: the record state, its index entries'
   * counts (placed anew when not given: at recovery), and the checksums of the data-file
   * blocks it completed. Returns the entries placed and the blocks completed.
   */
  apply(record: AppendRecord): { placed: PlacedEntry[]; completed: CompletedBlock[] } {
    let completed: CompletedBlock[] = NONE;
    if (this.checksummed && record.data.length > 0) {
      const extended = extendBlocks(this.tail - this.base, this.tailCrc, record.data);
      this.tailCrc = extended.tailCrc;
      completed = extended.completed;
    }
    const entries = this.indexed ? indexEntriesOf(this, record, this.json) : [];
    const placed = placeEntries(this.layout, this.base, this.counts, entries);
    applyRecord(this, record);
    if (this.acceptedTail <= this.tail) {
      this.acceptedTail = this.tail;
      this.acceptedSeq = this.nextSeq;
      this.acceptedTs = this.lastTs;
      this.acceptedCounts = undefined;
    }
    return { placed, completed };
  }

  /** Moves the earliest position forward; returns the segments now wholly below it. */
  trim(earliest: number): number[] {
    const first = segmentOf(this.layout, this.earliest - this.base);
    this.earliest = earliest;
    const kept = segmentOf(this.layout, earliest - this.base);
    this.counts.dropBefore(kept);
    this.acceptedCounts?.dropBefore(kept);
    this.fences?.dropBefore(kept);
    const dropped: number[] = [];
    for (let segment = Math.max(0, first); segment < kept; segment++) dropped.push(segment);
    return dropped;
  }

  /** The segments that hold files: from the one holding the earliest position to the one holding the tail. */
  segments(): { first: number; last: number } {
    const first = segmentOf(this.layout, Math.max(0, this.earliest - this.base));
    const last = segmentOf(this.layout, Math.max(0, this.tail - this.base - 1));
    return { first, last: Math.max(first, last, this.counts.last) };
  }

  toStored(forks: number): StoredStream {
    return snapshot(this, forks);
  }

  toJson(): Record<string, unknown> {
    return {
      id: this.id,
      meta: metaToJson(this.meta),
      tail: this.tail,
      closed: this.closed || undefined,
      closedBy: this.closedBy,
      lastStreamSeq: this.lastStreamSeq,
      producers: this.producers && [...this.producers].map(([id, s]) => producerToJson(id, s)),
      softDeleted: this.softDeleted || undefined,
      crc: this.checksummed ? this.tailCrc : undefined,
      seg: [this.layout.size, this.layout.firstEnd],
      // Only a stream whose index is built has these; one without is rebuilt at the next open.
      ...(this.indexed
        ? { earliest: this.earliest, seq: this.nextSeq, ts: this.lastTs, idx: this.counts.toJson() }
        : {}),
    };
  }

  /**
   * An entry from a checkpoint line; throws when the line is not one. A line of a format
   * before segments and the append index gets segment 0 as large as its data (legacyLayout)
   * and no index yet (recovery builds it).
   */
  static fromJson(json: Record<string, unknown>): Entry {
    const meta = json.meta as Record<string, unknown> | undefined;
    if (typeof json.id !== "number" || typeof json.tail !== "number" || typeof meta?.path !== "string") {
      throw new Error("not a stream entry");
    }
    const parsedMeta = metaFromJson(meta);
    const length = json.tail - (parsedMeta.fork?.position ?? 0);
    const seg = json.seg as [number, number] | undefined;
    const layout = seg ? layoutOf(seg[0], seg[1]) : legacyLayout(DEFAULT_SEGMENT_BYTES, length);
    const entry = new Entry(json.id, parsedMeta, layout);
    entry.layoutGuessed = seg === undefined;
    entry.tail = entry.acceptedTail = json.tail;
    entry.syncedTail = length;
    entry.closed = json.closed === true;
    entry.softDeleted = json.softDeleted === true;
    entry.checksummed = typeof json.crc === "number";
    entry.tailCrc = entry.checksummed ? (json.crc as number) : 0;
    const counts = IndexCounts.fromJson(json.idx);
    if (typeof json.seq === "number" && typeof json.ts === "number" && typeof json.earliest === "number" && counts) {
      entry.nextSeq = entry.acceptedSeq = json.seq;
      entry.lastTs = entry.acceptedTs = json.ts;
      entry.earliest = json.earliest;
      entry.counts = counts;
    } else {
      entry.indexed = false;
    }
    const producers = json.producers as ProducerJson[] | undefined;
    if (json.closedBy !== undefined || json.lastStreamSeq !== undefined || producers?.length) {
      const writer = entry.writer();
      writer.closedBy = json.closedBy as ProducerClaim | undefined;
      writer.lastStreamSeq = json.lastStreamSeq as string | undefined;
      if (producers?.length) writer.producers = new Map(producers.map(producerFromJson));
    }
    return entry;
  }
}

/** A producer in a checkpoint: `[id, epoch, lastSeq]`, and where its latest write went when known. */
type ProducerJson = [string, number, number] | [string, number, number, number, number, number, number];

function producerToJson(id: string, state: ProducerState): ProducerJson {
  const last = state.last;
  if (!last) return [id, state.epoch, state.lastSeq];
  return [id, state.epoch, state.lastSeq, last.end, last.seq, last.ts, last.messages];
}

function producerFromJson(json: ProducerJson): [string, ProducerState] {
  const [id, epoch, lastSeq, end, seq, ts, messages] = json;
  if (end === undefined || seq === undefined || ts === undefined || messages === undefined) {
    return [id, { epoch, lastSeq }];
  }
  return [id, { epoch, lastSeq, last: { end, seq, ts, messages } }];
}

const NONE: CompletedBlock[] = [];
const NOTHING = { placed: [] as PlacedEntry[], completed: NONE };

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
  /** Paths in order for listings, rebuilt on the first listing after a create or removal. */
  private sorted: string[] | undefined;

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
    this.sorted = undefined;
  }

  delete(entry: Entry): void {
    if (this.byPath.get(entry.meta.path) === entry) {
      this.byPath.delete(entry.meta.path);
      this.forks.removed(entry.meta);
      this.sorted = undefined;
    }
    this.replayIndex?.delete(entry.id);
  }

  /** The entry's durable state, as a lookup answers it. */
  stored(entry: Entry): StoredStream {
    return entry.toStored(this.forks.of(entry.meta.path));
  }

  /** Paths starting with `prefix`, after `after`, in order, at most `limit`. */
  page(prefix: string, after: string | undefined, limit: number): Entry[] {
    this.sorted ??= [...this.byPath.keys()].sort();
    const from = after === undefined || after < prefix ? prefix : after;
    let at = lowerBound(this.sorted, from);
    if (after !== undefined && this.sorted[at] === after) at++;
    const page: Entry[] = [];
    for (; at < this.sorted.length && page.length < limit; at++) {
      const path = this.sorted[at]!;
      if (!path.startsWith(prefix)) break;
      page.push(this.byPath.get(path)!);
    }
    return page;
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
        entry.meta = { ...entry.meta, retention: record.retention };
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

/** First index whose value is not below `value`. */
function lowerBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
