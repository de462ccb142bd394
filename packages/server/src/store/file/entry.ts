/**
 * One stream's durable state in the file store's catalog (catalog.ts): kept current as
 * records commit, written to and read from checkpoint lines.
 */
import { isJsonContentType, type ProducerClaim, type ProducerState } from "@rivulet/protocol";
import { indexEntriesOf } from "../append-index.js";
import { applyRecord, type RecordTarget, snapshot } from "../record-state.js";
import type { AppendRecord, StoredStream, StreamMeta } from "../types.js";
import { type CompletedBlock, extendBlocks } from "./block-crc.js";
import { metaFromJson, metaToJson } from "./codec.js";
import type { IndexFences } from "./index-fences.js";
import { IndexCounts, type PlacedEntry, placeEntries } from "./index-files.js";
import { DEFAULT_SEGMENT_BYTES, layoutOf, legacyLayout, type SegmentLayout, segmentOf } from "./segments.js";

/**
 * What most streams never need, kept off the entry until first use: appends in flight, writer
 * state (producers, Stream-Seq, who closed it), failure count, checkpoint progress, index
 * fences, compaction. Dropped again when the last append in flight commits and nothing else
 * is held (`settle`), so a stream that only ever received appends holds none.
 */
interface EntryExtras {
  inFlight: InFlight | undefined;
  closedBy: ProducerClaim | undefined;
  lastStreamSeq: string | undefined;
  producers: Map<string, ProducerState> | undefined;
  failures: number;
  syncedTail: number;
  fences: IndexFences | undefined;
  compacted: Map<number, number> | undefined;
}

/** What is accepted but not yet committed; exists only while appends are in flight. */
interface InFlight {
  tail: number;
  seq: number;
  ts: number;
  counts: IndexCounts;
}

// Flag bits of `Entry.flags`: one small integer instead of five fields per stream.
const CLOSED = 1;
const SOFT_DELETED = 2;
const UNCHECKSUMMED = 4;
const UNINDEXED = 8;
const LAYOUT_GUESSED = 16;

/**
 * One stream's durable state. A server may hold a million idle streams, so the entry keeps
 * only what every stream uses as its own fields (112 bytes): the rest lives in one side object
 * made on first use, and a stream with no index entries shares one empty count.
 */
export class Entry implements RecordTarget {
  /** Durable tail: everything below it is in the log and in the data file. */
  tail: number;
  /** First retained position (docs/extensions.md): segments wholly below it are deleted. */
  earliest: number;
  nextSeq: number;
  lastTs: number;
  private flags = 0;
  /**
   * CRC-32 of the data file's last, partial block, up to the durable tail (block-crc.ts).
   * Meaningless while `checksummed` is false.
   */
  tailCrc = 0;
  /** How its files are cut into segments. */
  layout: SegmentLayout;
  /** Entries in each segment's index file (durable); the shared empty count until the first. */
  counts: IndexCounts = IndexCounts.none;
  private extras: EntryExtras | undefined = undefined;

  constructor(
    readonly id: number,
    public meta: StreamMeta,
    layout: SegmentLayout,
  ) {
    this.tail = this.base;
    this.earliest = meta.inherited?.earliest ?? this.base;
    this.nextSeq = meta.inherited?.seq ?? 0;
    this.lastTs = meta.inherited?.ts ?? 0;
    this.layout = layout;
  }

  get closed(): boolean {
    return (this.flags & CLOSED) !== 0;
  }

  set closed(value: boolean) {
    this.flag(CLOSED, value);
  }

  get softDeleted(): boolean {
    return (this.flags & SOFT_DELETED) !== 0;
  }

  set softDeleted(value: boolean) {
    this.flag(SOFT_DELETED, value);
  }

  /**
   * False for a stream from the first on-disk format, until its data file has been
   * checksummed at open (then `tailCrc` means nothing).
   */
  get checksummed(): boolean {
    return (this.flags & UNCHECKSUMMED) === 0;
  }

  set checksummed(value: boolean) {
    this.flag(UNCHECKSUMMED, !value);
  }

  /**
   * False for a stream from a format before the append index, until recovery has built its
   * index from its data (append times and boundaries from then are not known).
   */
  get indexed(): boolean {
    return (this.flags & UNINDEXED) === 0;
  }

  set indexed(value: boolean) {
    this.flag(UNINDEXED, !value);
  }

  /**
   * Set for an entry of a checkpoint from before segments: its layout was made up with the
   * default segment size, and the store replaces it with one of its own size when it opens.
   */
  get layoutGuessed(): boolean {
    return (this.flags & LAYOUT_GUESSED) !== 0;
  }

  set layoutGuessed(value: boolean) {
    this.flag(LAYOUT_GUESSED, value);
  }

  private flag(bit: number, value: boolean): void {
    this.flags = value ? this.flags | bit : this.flags & ~bit;
  }

  /** Tail including appends accepted but not yet committed; new appends must start here. */
  get acceptedTail(): number {
    const inFlight = this.extras?.inFlight;
    return inFlight ? inFlight.tail : this.tail;
  }

  get acceptedSeq(): number {
    const inFlight = this.extras?.inFlight;
    return inFlight ? inFlight.seq : this.nextSeq;
  }

  get acceptedTs(): number {
    const inFlight = this.extras?.inFlight;
    return inFlight ? inFlight.ts : this.lastTs;
  }

  /** Bumped when an accepted append fails, so appends queued behind it fail too. */
  get failures(): number {
    return this.extras?.failures ?? 0;
  }

  set failures(value: number) {
    this.extra().failures = value;
  }

  /** Data-file position up to which the last checkpoint fsynced its files. */
  get syncedTail(): number {
    return this.extras?.syncedTail ?? 0;
  }

  set syncedTail(value: number) {
    if (value !== 0 || this.extras) this.extra().syncedTail = value;
  }

  /** The running store's sparse copy of the index, made by the first lookup that needs one. */
  get fences(): IndexFences | undefined {
    return this.extras?.fences;
  }

  set fences(value: IndexFences | undefined) {
    if (value !== undefined || this.extras) this.extra().fences = value;
  }

  /**
   * Segments compaction rewrote (compacted-files.ts), with the bytes each freed. Not in the log
   * or the checkpoint: a segment's `.cpt` file is itself the record, found again at open.
   */
  get compacted(): Map<number, number> | undefined {
    return this.extras?.compacted;
  }

  set compacted(value: Map<number, number> | undefined) {
    if (value !== undefined || this.extras) this.extra().compacted = value;
  }

  get closedBy(): ProducerClaim | undefined {
    return this.extras?.closedBy;
  }

  set closedBy(value: ProducerClaim | undefined) {
    if (value !== undefined || this.extras) this.extra().closedBy = value;
  }

  get lastStreamSeq(): string | undefined {
    return this.extras?.lastStreamSeq;
  }

  set lastStreamSeq(value: string | undefined) {
    if (value !== undefined || this.extras) this.extra().lastStreamSeq = value;
  }

  get producers(): Map<string, ProducerState> | undefined {
    return this.extras?.producers;
  }

  producerMap(): Map<string, ProducerState> {
    const extras = this.extra();
    extras.producers ??= new Map();
    return extras.producers;
  }

  private extra(): EntryExtras {
    this.extras ??= {
      inFlight: undefined,
      closedBy: undefined,
      lastStreamSeq: undefined,
      producers: undefined,
      failures: 0,
      syncedTail: 0,
      fences: undefined,
      compacted: undefined,
    };
    return this.extras;
  }

  /** Drops the side object once it holds nothing but defaults (after the last commit in flight). */
  private settle(): void {
    const extras = this.extras;
    if (
      extras &&
      extras.inFlight === undefined &&
      extras.closedBy === undefined &&
      extras.lastStreamSeq === undefined &&
      extras.producers === undefined &&
      extras.failures === 0 &&
      extras.syncedTail === 0 &&
      extras.fences === undefined &&
      extras.compacted === undefined
    ) {
      this.extras = undefined;
    }
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
    const extras = this.extra();
    extras.inFlight ??= { tail: this.tail, seq: this.nextSeq, ts: this.lastTs, counts: this.counts.copy() };
    const accepted = extras.inFlight;
    const entries = this.indexed
      ? indexEntriesOf({ nextSeq: accepted.seq, lastTs: accepted.ts }, record, this.json)
      : [];
    const placed = placeEntries(this.layout, this.base, accepted.counts, entries);
    accepted.tail = record.position + record.data.length;
    accepted.seq += record.messages;
    if (record.messages > 0) accepted.ts = Math.max(accepted.ts, record.ts);
    return placed;
  }

  /** An accepted append failed: what is accepted goes back to what is durable. */
  rewind(): void {
    if (!this.extras) return;
    this.extras.inFlight = undefined;
    this.settle();
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
    const placed = placeEntries(this.layout, this.base, entries.length > 0 ? this.ownCounts() : this.counts, entries);
    applyRecord(this, record);
    const inFlight = this.extras?.inFlight;
    if (inFlight && inFlight.tail <= this.tail) this.rewind();
    return { placed, completed };
  }

  /** Moves the earliest position forward; returns the segments now wholly below it. */
  trim(earliest: number): number[] {
    const first = segmentOf(this.layout, this.earliest - this.base);
    this.earliest = earliest;
    const kept = segmentOf(this.layout, earliest - this.base);
    if (kept > this.counts.first) this.ownCounts().dropBefore(kept);
    this.extras?.inFlight?.counts.dropBefore(kept);
    this.fences?.dropBefore(kept);
    const dropped: number[] = [];
    for (let segment = Math.max(0, first); segment < kept; segment++) dropped.push(segment);
    return dropped;
  }

  /** The counts, this stream's own from its first index entry on (idle streams share one). */
  ownCounts(): IndexCounts {
    if (this.counts === IndexCounts.none) this.counts = new IndexCounts();
    return this.counts;
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
    entry.tail = json.tail;
    entry.syncedTail = length;
    entry.closed = json.closed === true;
    entry.softDeleted = json.softDeleted === true;
    entry.checksummed = typeof json.crc === "number";
    entry.tailCrc = entry.checksummed ? (json.crc as number) : 0;
    const counts = IndexCounts.fromJson(json.idx);
    if (typeof json.seq === "number" && typeof json.ts === "number" && typeof json.earliest === "number" && counts) {
      entry.nextSeq = json.seq;
      entry.lastTs = json.ts;
      entry.earliest = json.earliest;
      entry.counts = counts;
    } else {
      entry.indexed = false;
    }
    const producers = json.producers as ProducerJson[] | undefined;
    if (json.closedBy !== undefined || json.lastStreamSeq !== undefined || producers?.length) {
      const writer = entry.extra();
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
