/**
 * Salvage: every intact record of the log, replayed onto a base catalog with each stream kept
 * to its longest consistent prefix. A stream never gets a gap: once one of its records is
 * missing (damaged, or in data that had to be cut), its later records are dropped and
 * reported. Used by `fsck` to say what a repair would drop, and by the repair to do it.
 */
import { metaWith } from "../../stream-meta.js";
import {
  BATCH_HEADER,
  BATCH_MAGIC,
  decodeBatch,
  decodeSegmentHeader,
  isZero,
  nextIntactBatch,
  SEGMENT_HEADER,
  skipFrame,
} from "../batch.js";
import type { CompletedBlock } from "../block-crc.js";
import type { Catalog, Entry } from "../catalog.js";
import { decodeRecord, type WalRecord } from "../codec.js";
import type { PlacedEntry } from "../index-files.js";
import type { Loss } from "./types.js";

/** Every record of a segment that passes its own checksum, in order, those inside damaged batches included. */
export function* salvageRecords(bytes: Uint8Array, stopAt: number | undefined): Generator<WalRecord> {
  const header = decodeSegmentHeader(bytes);
  if (header.version === "empty") return;
  const end = stopAt ?? bytes.length;
  if (header.version === 1) {
    for (let at: number | undefined = 0; at !== undefined && at < end && !isZero(bytes, at, end); ) {
      const decoded = decodeRecord(bytes, at);
      if (decoded) yield decoded.record;
      at = decoded ? decoded.next : skipFrame(bytes, at);
    }
    return;
  }
  const salt = header.version === 2 ? header.salt : undefined;
  let at = SEGMENT_HEADER;
  while (at < end && !isZero(bytes, at, end)) {
    const batch = decodeBatch(bytes, at, salt);
    if (batch) {
      yield* batch.records;
      at = batch.next;
      continue;
    }
    yield* recordsOfDamagedBatch(bytes, at, end);
    const next = nextIntactBatch(bytes.subarray(0, end), at + 1, salt);
    if (!next) return;
    at = next.offset;
  }
}

/**
 * The records of a damaged batch that still check out, walked by their length fields. An
 * atomic unit (a transaction) counts only when every record of it is intact: otherwise none of
 * it is salvaged, so a repair never keeps part of a transaction.
 */
function* recordsOfDamagedBatch(bytes: Uint8Array, at: number, end: number): Generator<WalRecord> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (at + BATCH_HEADER > end || view.getUint32(at) !== BATCH_MAGIC) return;
  const batchEnd = Math.min(end, at + BATCH_HEADER + view.getUint32(at + 8));
  const intact: WalRecord[] = [];
  for (let r: number | undefined = at + BATCH_HEADER; r !== undefined && r < batchEnd; ) {
    const decoded = decodeRecord(bytes.subarray(0, batchEnd), r);
    if (decoded) intact.push(decoded.record);
    r = decoded ? decoded.next : skipFrame(bytes.subarray(0, batchEnd), r);
  }
  const found = new Map<number, number>();
  for (const record of intact) {
    const unit = record.type === "append" ? record.unit : undefined;
    if (unit) found.set(unit.id, (found.get(unit.id) ?? 0) + 1);
  }
  for (const record of intact) {
    const unit = record.type === "append" ? record.unit : undefined;
    if (!unit || found.get(unit.id) === unit.size) yield record;
  }
}

export interface SalvageSink {
  /** Data of an applied record, at its data-file position, the index entries it placed and the blocks it completed. */
  data(
    entry: Entry,
    position: number,
    data: Uint8Array,
    placed: PlacedEntry[],
    completed: CompletedBlock[],
  ): Promise<void>;
  /** A stream was cut short at its (new) tail: its index is brought in line (a dry run does nothing). */
  cut(entry: Entry): Promise<void>;
}

/** Replays salvaged records onto `catalog`, keeping every stream gap-free. */
export class Salvage {
  private readonly byId = new Map<number, Entry>();
  /** Streams cut short: their later records are dropped into this loss. */
  private readonly cut = new Map<number, MutableLoss>();
  /** Records of streams whose creation is lost. */
  private readonly orphans = new Map<number, MutableLoss>();
  /** Ids the log created or removed: a data file of any other id past the base was created by a lost record. */
  private readonly logged = new Set<number>();
  private readonly baseNextId: number;

  constructor(
    readonly catalog: Catalog,
    private readonly sink: SalvageSink,
  ) {
    for (const entry of catalog.entries()) this.byId.set(entry.id, entry);
    this.baseNextId = catalog.nextId;
  }

  /**
   * Cuts a stream at `tail` before replay (its data or index file is damaged from there, and
   * the log does not hold it). `tail` is a block boundary or an index entry's position.
   */
  async truncate(entry: Entry, tail: number, reason: string): Promise<void> {
    if (tail >= entry.tail) return;
    this.cut.set(entry.id, {
      stream: entry.meta.path,
      from: tail,
      to: entry.tail,
      records: undefined,
      wholeStream: false,
      reason,
    });
    entry.tail = tail;
    entry.closed = false;
    await this.sink.cut(entry);
  }

  async apply(record: WalRecord): Promise<void> {
    if (record.id >= this.catalog.nextId) this.catalog.nextId = record.id + 1;
    if (record.type === "create" || record.type === "remove") this.logged.add(record.id);
    if (record.type === "create") return this.create(record);
    const entry = this.byId.get(record.id);
    if (!entry) return this.orphan(record);
    if (record.type === "remove") {
      this.catalog.delete(entry);
      this.byId.delete(record.id);
      this.cut.delete(record.id);
      return;
    }
    if (record.type === "mark-deleted") {
      entry.softDeleted = true;
      return;
    }
    if (record.type === "configure") {
      entry.meta = metaWith(entry.meta, { retention: record.retention });
      return;
    }
    if (record.type === "trim") {
      // A trim past what is left of a stream cut short has nothing left to trim.
      if (!this.cut.has(record.id) && record.earliest <= entry.tail) entry.trim(record.earliest);
      return;
    }
    if (record.legacy) entry.indexed = false;
    const { position, data } = record.record;
    const loss = this.cut.get(record.id);
    if (loss) {
      loss.to = Math.max(loss.to, position + data.length);
      loss.records = (loss.records ?? 0) + 1;
      return;
    }
    if (position !== entry.tail) {
      const reason = "a record before it in the log is damaged";
      this.cut.set(record.id, {
        stream: entry.meta.path,
        from: entry.tail,
        to: position + data.length,
        records: 1,
        wholeStream: false,
        reason,
      });
      return;
    }
    const { placed, completed } = entry.apply(record.record);
    if (data.length > 0) await this.sink.data(entry, position - entry.base, data, placed, completed);
  }

  private async create(record: Extract<WalRecord, { type: "create" }>): Promise<void> {
    if (this.byId.has(record.id)) return;
    const stale = this.catalog.byPath.get(record.meta.path);
    if (stale) {
      this.catalog.delete(stale);
      this.byId.delete(stale.id);
      this.cut.delete(stale.id);
    }
    const entry = this.catalog.entryFor(record.id, record.meta);
    if (record.legacy) entry.indexed = false;
    this.catalog.add(entry);
    this.byId.set(record.id, entry);
    if (record.first) {
      const { placed, completed } = entry.apply(record.first);
      if (record.first.data.length > 0) await this.sink.data(entry, 0, record.first.data, placed, completed);
    }
  }

  private orphan(record: WalRecord): void {
    if (record.type !== "append") return;
    const loss = this.orphans.get(record.id) ?? {
      stream: `#${record.id}`,
      from: record.record.position,
      to: record.record.position,
      records: 0,
      wholeStream: true,
      reason: "its creation record is damaged, so its name is lost",
    };
    loss.from = Math.min(loss.from, record.record.position);
    loss.to = Math.max(loss.to, record.record.position + record.record.data.length);
    loss.records = (loss.records ?? 0) + 1;
    this.orphans.set(record.id, loss);
  }

  /**
   * Forks whose source is gone or was cut below the fork position read a range that no longer
   * exists: they go too (a fork of such a fork as well).
   */
  dropBrokenForks(): Entry[] {
    const dropped: Entry[] = [];
    for (let changed = true; changed; ) {
      changed = false;
      for (const entry of [...this.catalog.entries()]) {
        const fork = entry.meta.fork;
        if (!fork) continue;
        const source = this.catalog.byPath.get(fork.source);
        if (source && source.tail >= fork.position) continue;
        this.catalog.delete(entry);
        this.byId.delete(entry.id);
        this.cut.delete(entry.id);
        dropped.push(entry);
        this.orphans.set(entry.id, {
          stream: entry.meta.path,
          from: 0,
          to: entry.tail,
          records: undefined,
          wholeStream: true,
          reason: `its fork source ${fork.source} lost data below the fork position`,
        });
        changed = true;
      }
    }
    return dropped;
  }

  /**
   * Data files (`<id>` → bytes on disk) that no stream claims. Ids below the base's next id
   * belong to streams removed before it (the next start deletes their files); an id past it
   * that the log neither created nor removed was created by a record that is now damaged: a
   * whole stream whose name is lost. Its files are kept in the quarantine by a repair.
   */
  unclaimedFiles(files: ReadonlyMap<number, number>): void {
    for (const [id, bytes] of files) {
      if (id < this.baseNextId || this.logged.has(id) || this.byId.has(id)) continue;
      const loss = this.orphans.get(id);
      if (loss) {
        loss.to = Math.max(loss.to, bytes);
        continue;
      }
      this.orphans.set(id, {
        stream: `#${id}`,
        from: 0,
        to: bytes,
        records: undefined,
        wholeStream: true,
        reason: "its creation record is damaged, and its name with it; its data file goes to the quarantine",
      });
    }
  }

  losses(): Loss[] {
    return [...this.cut.values(), ...this.orphans.values()].map((loss) => ({ ...loss }));
  }
}

type MutableLoss = { -readonly [K in keyof Loss]: Loss[K] };
