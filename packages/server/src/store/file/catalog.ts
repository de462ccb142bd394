/**
 * The file store's catalog: the durable state of every stream, rebuilt from the checkpoint
 * and the log on open, and kept current as records commit. It is what a checkpoint writes.
 */
import type { ProducerClaim, ProducerState } from "@rivulet/protocol";
import { ForkRefs } from "../fork-refs.js";
import { PathIndex } from "../path-index.js";
import { applyRecord, type RecordTarget } from "../record-state.js";
import type { AppendRecord, StoredStream, StreamMeta } from "../types.js";
import { type CompletedBlock, extendBlocks } from "./block-crc.js";
import { metaFromJson, metaToJson, type WalRecord } from "./codec.js";

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
  private extras: WriterExtras | undefined = undefined;

  constructor(
    readonly id: number,
    readonly meta: StreamMeta,
  ) {
    this.tail = this.base;
    this.acceptedTail = this.base;
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

  /** Applies a committed append to the durable state; returns the data-file blocks it completed. */
  apply(record: AppendRecord): CompletedBlock[] {
    let completed: CompletedBlock[] = NONE;
    if (this.checksummed && record.data.length > 0) {
      const extended = extendBlocks(this.tail - this.base, this.tailCrc, record.data);
      this.tailCrc = extended.tailCrc;
      completed = extended.completed;
    }
    applyRecord(this, record);
    if (this.acceptedTail < this.tail) this.acceptedTail = this.tail;
    return completed;
  }

  toStored(forks: number): StoredStream {
    return {
      meta: this.meta,
      tail: this.tail,
      closed: this.closed,
      closedBy: this.closedBy,
      lastStreamSeq: this.lastStreamSeq,
      producers: new Map(this.producers),
      softDeleted: this.softDeleted,
      forks,
    };
  }

  toJson(): Record<string, unknown> {
    return {
      id: this.id,
      meta: metaToJson(this.meta),
      tail: this.tail,
      closed: this.closed || undefined,
      closedBy: this.closedBy,
      lastStreamSeq: this.lastStreamSeq,
      producers: this.producers && [...this.producers].map(([id, s]) => [id, s.epoch, s.lastSeq]),
      softDeleted: this.softDeleted || undefined,
      crc: this.checksummed ? this.tailCrc : undefined,
    };
  }

  /** An entry from a checkpoint line; throws when the line is not one. */
  static fromJson(json: Record<string, unknown>): Entry {
    const meta = json.meta as Record<string, unknown> | undefined;
    if (typeof json.id !== "number" || typeof json.tail !== "number" || typeof meta?.path !== "string") {
      throw new Error("not a stream entry");
    }
    const entry = new Entry(json.id, metaFromJson(meta));
    entry.tail = entry.acceptedTail = json.tail;
    entry.closed = json.closed === true;
    entry.softDeleted = json.softDeleted === true;
    entry.checksummed = typeof json.crc === "number";
    entry.tailCrc = entry.checksummed ? (json.crc as number) : 0;
    const producers = json.producers as Array<[string, number, number]> | undefined;
    if (json.closedBy !== undefined || json.lastStreamSeq !== undefined || producers?.length) {
      const writer = entry.writer();
      writer.closedBy = json.closedBy as ProducerClaim | undefined;
      writer.lastStreamSeq = json.lastStreamSeq as string | undefined;
      if (producers?.length)
        writer.producers = new Map(producers.map(([id, epoch, lastSeq]) => [id, { epoch, lastSeq }]));
    }
    return entry;
  }
}

const NONE: CompletedBlock[] = [];

/**
 * Every stream by path, with the fork references between them. Lookup by id is only needed
 * while replaying the log, so that index exists only during recovery.
 */
export class Catalog {
  readonly byPath = new Map<string, Entry>();
  readonly forks = new ForkRefs();
  nextId = 1;
  private replayIndex: Map<number, Entry> | undefined;
  /** Paths in order for listings. */
  private readonly index = new PathIndex((path) => this.byPath.has(path));

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
   * so the caller can rewrite it into the stream's data file, and the blocks it completed.
   */
  replay(record: WalRecord): { entry: Entry; completed: CompletedBlock[] } | undefined {
    if (record.id >= this.nextId) this.nextId = record.id + 1;
    if (record.type === "create") {
      const stale = this.byPath.get(record.meta.path);
      if (stale) this.delete(stale);
      const entry = new Entry(record.id, record.meta);
      this.add(entry);
      return { entry, completed: record.first ? entry.apply(record.first) : NONE };
    }
    const entry = this.replayIndex?.get(record.id);
    if (!entry) return undefined;
    if (record.type === "append") return { entry, completed: entry.apply(record.record) };
    if (record.type === "mark-deleted") entry.softDeleted = true;
    else this.delete(entry);
    return undefined;
  }

  /** The entry with this id during replay. */
  replayed(id: number): Entry | undefined {
    return this.replayIndex?.get(id);
  }
}
