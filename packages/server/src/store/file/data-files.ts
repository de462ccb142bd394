/**
 * Stream files: each stream's bytes in wire format, their block checksums (block-crc.ts) and
 * its append index (index-files.ts), each cut into segments (segments.ts) so retention can
 * delete whole files from the head. Every read from disk is checked block by block, so
 * corrupt bytes are never served, and a read that retention overtook is never served half:
 * it fails with StoreTrimmedError.
 *
 * Full-block checksums are computed as records commit and written behind them
 * (checksum-files.ts); reads consult the ones still in memory.
 *
 * A segment compaction rewrote is read from its `.cpt` file (compacted-files.ts) instead. Its
 * data and checksum files are deleted once no read that began before the rewrite still uses
 * them.
 */
import type { FileHandle } from "node:fs/promises";

import { compactUnit, type Span } from "../compacted-unit.js";
import { StoreCorruptionError, StoreTrimmedError } from "../errors.js";
import { READ_BUFFER_BYTES, takeReadBuffer } from "../read-buffers.js";
import type { IndexEntry } from "../types.js";
import { BLOCK_BYTES, blockStart, type CompletedBlock, extendBlocks, SLOT_BYTES } from "./block-crc.js";
import type { Entry } from "./catalog.js";
import { ChecksumFiles } from "./checksum-files.js";
import { type CompactedMeta, encodeCompacted, readCompacted, readMeta, writeCompacted } from "./compacted-files.js";
import { crc32 } from "./crc32.js";
import { FdCache, type FdCacheEvents } from "./fd-cache.js";
import { decodeIndexEntry, INDEX_ENTRY_BYTES, type PlacedEntry } from "./index-files.js";
import { type FileIo, readFully, ShortReadError, writeFully } from "./io.js";
import { ReadAhead } from "./read-ahead.js";
import { pieces, type SegmentFileKind, segmentEnd, segmentFileName, segmentOf, segmentStart } from "./segments.js";
import { shrinkFile } from "./shrink.js";

export interface DataFileEvents extends FdCacheEvents {
  corruption(error: StoreCorruptionError): void;
}

/** Every file a segment may have. */
const FILE_KINDS = ["data", "crc", "idx", "cpt", "tmp"] as const;
/** Bytes read at a time when checksumming a data file of the previous format. */
const CHECKSUM_CHUNK = 32 * BLOCK_BYTES;
/** Compacted segments whose tables are kept in memory, least recently used first. */
const META_CACHE = 64;

export class DataFiles {
  private readonly files: FdCache;
  /** Block checksums: those committed but not yet in their files, and reading the files. */
  private readonly checksums: ChecksumFiles;
  /** `<dir>/`, so a file's path is one concatenation (reads compute it every time). */
  private readonly prefix: string;
  /** Tables of compacted segments, by file path, least recently used first. */
  private readonly metas = new Map<string, CompactedMeta>();
  /** Reads of data files in flight, per stream: a compaction waits for them before deleting files. */
  private readonly rawReads = new Map<Entry, Set<Promise<unknown>>>();
  /** The next chunks of readers catching up, read before they ask (read-ahead.ts). */
  private readonly ahead = new ReadAhead();

  constructor(
    private readonly io: FileIo,
    readonly dir: string,
    maxOpenFiles: number,
    private readonly events: DataFileEvents,
  ) {
    this.files = new FdCache(io, maxOpenFiles, events);
    this.prefix = `${dir}/`;
    this.checksums = new ChecksumFiles(io, this.files, {
      path: (entry, segment) => this.path(entry, segment, "crc"),
      dropped: (entry, segment) => this.dropped(entry, segment),
    });
  }

  /** Queues the checksums of blocks a committed record completed, and writes them in the background. */
  addBlocks(entry: Entry, completed: readonly CompletedBlock[]): void {
    this.checksums.add(entry, completed);
  }

  /** Writes every pending checksum to its file; rejects (keeping them pending) if one cannot be. */
  flushPending(): Promise<void> {
    return this.checksums.flush();
  }

  get openCount(): number {
    return this.files.openCount;
  }

  /** Set while the process is out of descriptors (readiness says so). */
  get shortage(): Error | undefined {
    return this.files.shortage;
  }

  /** Path of a stream file; `segment` 0 is `<id>.<kind>`, the only one the previous formats had. */
  path(entry: Entry, segment: number, kind: SegmentFileKind): string {
    return this.prefix + segmentFileName(entry.id, segmentStart(entry.layout, segment), kind);
  }

  /** Writes bytes at a data-file position, across segments as needed (not yet durable: the log is). */
  async write(entry: Entry, position: number, parts: Uint8Array[]): Promise<void> {
    const length = parts.reduce((n, part) => n + part.length, 0);
    const spans = pieces(entry.layout, position, position + length);
    await Promise.all(
      spans.map((span) =>
        this.files.use(this.path(entry, span.segment, "data"), (handle) =>
          writeFully(
            this.io,
            handle,
            sliceParts(parts, span.start - position, span.end - position),
            span.start - segmentStart(entry.layout, span.segment),
          ),
        ),
      ),
    );
  }

  /** Writes placed index entries into their segments' index files. */
  async writeIndex(entry: Entry, placed: readonly PlacedEntry[]): Promise<void> {
    const runs: Array<{ segment: number; slot: number; bytes: Uint8Array[] }> = [];
    for (const item of placed) {
      const run = runs.at(-1);
      if (run && run.segment === item.segment && run.slot + run.bytes.length === item.slot) run.bytes.push(item.bytes);
      else runs.push({ segment: item.segment, slot: item.slot, bytes: [item.bytes] });
    }
    for (const run of runs) {
      await this.files.use(this.path(entry, run.segment, "idx"), (handle) =>
        writeFully(this.io, handle, run.bytes, run.slot * INDEX_ENTRY_BYTES),
      );
    }
  }

  /** `count` index entries of a segment from `from`; a damaged one is corruption. */
  async readIndex(entry: Entry, segment: number, from: number, count: number): Promise<IndexEntry[]> {
    const path = this.path(entry, segment, "idx");
    const bytes = await this.files
      .use(path, (handle) => readFully(this.io, handle, count * INDEX_ENTRY_BYTES, from * INDEX_ENTRY_BYTES), false)
      .catch((error: unknown) => {
        throw this.unreadable(entry, segment, "idx", error, from * INDEX_ENTRY_BYTES, "ends before its entries do");
      });
    const out: IndexEntry[] = [];
    for (let i = 0; i < count; i++) {
      const decoded = decodeIndexEntry(bytes, i * INDEX_ENTRY_BYTES, from + i);
      if (!decoded) {
        const at = (from + i) * INDEX_ENTRY_BYTES;
        throw this.unreadable(entry, segment, "idx", undefined, at, `entry ${from + i} fails its checksum`);
      }
      out.push(decoded);
    }
    return out;
  }

  /** Whether the data files already hold exactly these bytes at `position`. */
  async holds(entry: Entry, position: number, parts: Uint8Array[]): Promise<boolean> {
    const expected = Buffer.concat(parts);
    const actual = await this.readData(entry, position, position + expected.length).catch(() => undefined);
    return actual?.equals(expected) ?? false;
  }

  /** Whether the index files already hold exactly these entries. */
  async holdsIndex(entry: Entry, placed: readonly PlacedEntry[]): Promise<boolean> {
    for (const item of placed) {
      const actual = await this.files
        .use(
          this.path(entry, item.segment, "idx"),
          (h) => readFully(this.io, h, INDEX_ENTRY_BYTES, item.slot * INDEX_ENTRY_BYTES),
          false,
        )
        .catch(() => undefined);
      if (!actual?.equals(item.bytes)) return false;
    }
    return true;
  }

  /**
   * fsyncs a stream's files written since data-file position `from` (data, checksums, index),
   * with `datasync` (the caller decides what a failure means). Files retention deleted
   * meanwhile need nothing.
   */
  async sync(entry: Entry, from: number, datasync: (handle: FileHandle) => Promise<void>): Promise<void> {
    const { first, last } = entry.segments();
    for (let segment = Math.max(first, segmentOf(entry.layout, from)); segment <= last; segment++) {
      for (const kind of ["data", "crc", "idx"] as const) {
        await this.files.use(this.path(entry, segment, kind), datasync, false).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        });
      }
    }
  }

  /**
   * The stream's bytes at data-file positions [start, end), checked against their block
   * checksums. The tail and its partial-block CRC are taken once, first: bytes below that tail
   * never change, whatever commits meanwhile.
   */
  async read(entry: Entry, start: number, end: number): Promise<Uint8Array> {
    const early = this.ahead.take(entry, start, end);
    const bytes = early && (await early);
    if (bytes) {
      // Read before retention may have moved past it: a 410 then, as a read now would be.
      this.checkRetained(entry, start);
      return bytes;
    }
    return this.readNow(entry, start, end);
  }

  /**
   * Starts reading [start, end) for a reader expected to ask for it next (the chunk after the
   * one it is being sent); `read` of exactly that range takes it. Positions below the tail only.
   */
  readAhead(entry: Entry, start: number, end: number): void {
    if (start < Math.max(0, entry.earliest - entry.base) || end > entry.tail - entry.base || start >= end) return;
    this.ahead.begin(entry, start, end, () => this.readNow(entry, start, end));
  }

  private async readNow(entry: Entry, start: number, end: number): Promise<Uint8Array> {
    const compacted = entry.compacted;
    if (!compacted || compacted.size === 0) return this.readTracked(entry, start, end);
    const parts: Uint8Array[] = [];
    for (const span of pieces(entry.layout, start, end)) {
      parts.push(
        compacted.has(span.segment)
          ? await this.readCompactedSpan(entry, span.segment, span.start, span.end)
          : await this.readTracked(entry, span.start, span.end),
      );
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** A read of data files, registered (synchronously, before it starts) so compaction can wait for it. */
  private readTracked(entry: Entry, start: number, end: number): Promise<Uint8Array> {
    let reads = this.rawReads.get(entry);
    if (!reads) {
      reads = new Set();
      this.rawReads.set(entry, reads);
    }
    const read = this.readRaw(entry, start, end);
    const tracked = read.catch(() => {});
    reads.add(tracked);
    void tracked.then(() => {
      reads.delete(tracked);
      if (reads.size === 0 && this.rawReads.get(entry) === reads) this.rawReads.delete(entry);
    });
    return read;
  }

  /** Segment positions [from, to) of a compacted segment, checked; a damaged one is corruption. */
  private async readCompactedSpan(entry: Entry, segment: number, from: number, to: number): Promise<Uint8Array> {
    this.checkRetained(entry, from);
    const path = this.path(entry, segment, "cpt");
    const offset = segmentStart(entry.layout, segment);
    for (let attempt = 0; ; attempt++) {
      const cached = this.metas.get(path);
      const found = await this.files
        .use(
          path,
          async (handle) => {
            const meta = cached ?? (await readMeta(this.io, handle));
            if (!meta) return undefined;
            this.remember(path, meta);
            return readCompacted(this.io, handle, meta, from - offset, to - offset);
          },
          false,
        )
        .catch((error: unknown) => {
          this.checkRetained(entry, from);
          throw this.unreadable(entry, segment, "cpt", error, 0, "ends early");
        });
      if (found) return found;
      // A table cached from before the segment was compacted again belongs to the old file.
      this.metas.delete(path);
      if (cached === undefined || attempt > 0) {
        this.checkRetained(entry, from);
        throw this.corrupt(entry, "cpt", 0, "fails its checksum", segment);
      }
    }
  }

  private remember(path: string, meta: CompactedMeta): void {
    this.metas.delete(path);
    this.metas.set(path, meta);
    if (this.metas.size > META_CACHE) this.metas.delete(this.metas.keys().next().value!);
  }

  /**
   * Rewrites a whole segment without `removed` (data-file positions of whole messages) and
   * returns the bytes freed. Durable when it resolves: the `.cpt` file's rename is the commit.
   */
  async compact(entry: Entry, segment: number, removed: readonly Span[]): Promise<number> {
    const offset = segmentStart(entry.layout, segment);
    const end = segmentEnd(entry.layout, segment);
    const current = await this.readNow(entry, offset, end);
    const path = this.path(entry, segment, "cpt");
    const previous = entry.compacted?.has(segment)
      ? await this.files.use(path, (handle) => readMeta(this.io, handle), false)
      : undefined;
    if (entry.compacted?.has(segment) && !previous) throw this.corrupt(entry, "cpt", 0, "fails its checksum", segment);
    const relative = removed.map((span) => ({ start: span.start - offset, end: span.end - offset }));
    const { unit, packed } = compactUnit(current, previous?.unit, relative);
    await writeCompacted(this.io, this.dir, this.path(entry, segment, "tmp"), path, encodeCompacted(unit, packed));
    this.files.retire(path);
    this.metas.delete(path);
    if (this.dropped(entry, segment)) {
      // Retention freed the segment meanwhile: its rewrite goes too.
      await this.unlink(path);
      return 0;
    }
    const before = previous ? previous.unit.packedLength : end - offset;
    entry.compacted ??= new Map();
    entry.compacted.set(segment, unit.freed);
    // Reads ahead of the old bytes must not be served from now on.
    this.ahead.forget(entry);
    if (!previous) await this.dropRaw(entry, segment);
    return before - packed.length;
  }

  /**
   * A segment now read from its `.cpt`: its data and checksum files go once every read that
   * began before the switch is done (new reads no longer open them).
   */
  private async dropRaw(entry: Entry, segment: number): Promise<void> {
    await Promise.all([...(this.rawReads.get(entry) ?? [])]);
    this.checksums.drop(entry, (blockSegment) => blockSegment === segment);
    const data = this.path(entry, segment, "data");
    this.files.retire(data);
    await shrinkFile(this.io, data);
    for (const kind of ["data", "crc"] as const) await this.unlink(this.path(entry, segment, kind));
  }

  /** Marks a segment compacted at open (its `.cpt` found), deleting what it replaced. */
  async adoptCompacted(entry: Entry, segment: number): Promise<void> {
    const path = this.path(entry, segment, "cpt");
    const meta = await this.files.use(path, (handle) => readMeta(this.io, handle), false).catch(() => undefined);
    entry.compacted ??= new Map();
    // A damaged file still stands for the segment: reads of it fail as corrupt, never guess.
    entry.compacted.set(segment, meta?.unit.freed ?? 0);
    for (const kind of ["data", "crc"] as const) await this.unlink(this.path(entry, segment, kind));
  }

  /** Bytes of data-file positions [start, end), checked against their block checksums. */
  private async readRaw(entry: Entry, start: number, end: number): Promise<Uint8Array> {
    const length = entry.tail - entry.base;
    const tailCrc = entry.tailCrc;
    this.checkRetained(entry, start);
    try {
      if (!entry.checksummed) return await this.readData(entry, start, end);
      const lastBlock = blockStart(length);
      const from = blockStart(start);
      const to = end > lastBlock ? length : Math.ceil(end / BLOCK_BYTES) * BLOCK_BYTES;
      const fullEnd = Math.min(to, lastBlock);
      // The data and its checksums are read side by side.
      const [bytes, crcs] = await Promise.all([
        this.readData(entry, from, to, true),
        fullEnd > from ? this.checksums.of(entry, from / BLOCK_BYTES, (fullEnd - from) / BLOCK_BYTES) : undefined,
      ]);
      this.checkRetained(entry, start);
      if (crcs) this.checkFullBlocks(entry, bytes, from, crcs);
      if (to === length && length > lastBlock && crc32(bytes.subarray(lastBlock - from)) !== tailCrc) {
        throw this.corrupt(entry, "data", lastBlock, "its last block does not match its checksum");
      }
      return bytes.subarray(start - from, end - from);
    } catch (error) {
      // Retention overtook the read: that is a 410, never corruption.
      this.checkRetained(entry, start);
      throw error;
    }
  }

  private checkRetained(entry: Entry, start: number): void {
    if (start + entry.base < entry.earliest) throw new StoreTrimmedError(entry.meta.path, entry.earliest);
  }

  /** Whether retention deleted the segment's files. */
  private dropped(entry: Entry, segment: number): boolean {
    return segment < segmentOf(entry.layout, Math.max(0, entry.earliest - entry.base));
  }

  /**
   * Data-file bytes [from, to) without checking them against their checksums: for a repair,
   * which recomputes the checksum of a stream it cut short.
   */
  readUnchecked(entry: Entry, from: number, to: number): Promise<Buffer> {
    return this.readData(entry, from, to);
  }

  /**
   * Data-file bytes [from, to), across segments; a file that ends early is damage, not a bug.
   * `pooled`: the read goes into a buffer of the read pool (read-buffers.ts), each segment's
   * piece into its place, so a read across a segment boundary is not copied again to join them.
   */
  private async readData(entry: Entry, from: number, to: number, pooled = false): Promise<Buffer> {
    const spans = pieces(entry.layout, from, to);
    const into = pooled && to - from <= READ_BUFFER_BYTES ? takeReadBuffer(to - from) : undefined;
    const parts = await Promise.all(
      spans.map((span) => {
        const offset = segmentStart(entry.layout, span.segment);
        return this.files
          .use(
            this.path(entry, span.segment, "data"),
            (handle) =>
              readFully(
                this.io,
                handle,
                span.end - span.start,
                span.start - offset,
                into?.subarray(span.start - from, span.end - from),
              ),
            false,
          )
          .catch((error: unknown) => {
            throw this.unreadable(
              entry,
              span.segment,
              "data",
              error,
              span.start - offset,
              `ends before ${span.end - offset}`,
            );
          });
      }),
    );
    return into ?? (parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  /** A missing or short file: corruption (unless retention deleted it, which the caller checks). */
  private unreadable(
    entry: Entry,
    segment: number,
    kind: SegmentFileKind,
    error: unknown,
    position: number,
    problem: string,
  ): unknown {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (error !== undefined && !(error instanceof ShortReadError) && code !== "ENOENT") return error;
    if (this.dropped(entry, segment)) return new StoreTrimmedError(entry.meta.path, entry.earliest);
    const where = error instanceof ShortReadError ? error.end : position;
    return this.corrupt(entry, kind, where, code === "ENOENT" ? "is missing" : problem, segment);
  }

  private checkFullBlocks(entry: Entry, bytes: Uint8Array, from: number, crcs: Array<number | undefined>): void {
    const first = from / BLOCK_BYTES;
    for (let i = 0; i < crcs.length; i++) {
      const index = first + i;
      const expected = crcs[i];
      const segment = segmentOf(entry.layout, index * BLOCK_BYTES);
      const local = index - segmentStart(entry.layout, segment) / BLOCK_BYTES;
      if (expected === undefined) {
        throw this.corrupt(entry, "crc", local * SLOT_BYTES, `holds no valid checksum for block ${index}`, segment);
      }
      const block = bytes.subarray(i * BLOCK_BYTES, (i + 1) * BLOCK_BYTES);
      if (crc32(block) !== expected) {
        throw this.corrupt(entry, "data", local * BLOCK_BYTES, `block ${index} does not match its checksum`, segment);
      }
    }
  }

  /**
   * Checksums a data file of the previous format (no checksum file), trusting its bytes as
   * they are: there is nothing to check them against. Run once, at the first open after an
   * upgrade.
   */
  async checksumLegacy(entry: Entry): Promise<void> {
    const length = entry.tail - entry.base;
    let tailCrc = 0;
    const completed: CompletedBlock[] = [];
    for (let at = 0; at < length; at += CHECKSUM_CHUNK) {
      const size = Math.min(CHECKSUM_CHUNK, length - at);
      const chunk = await this.readData(entry, at, at + size);
      const extended = extendBlocks(at, tailCrc, chunk);
      tailCrc = extended.tailCrc;
      completed.push(...extended.completed);
    }
    if (completed.length > 0) {
      await this.checksums.write(entry, new Map(completed.map((block) => [block.index, block.crc])));
    }
    entry.tailCrc = tailCrc;
    entry.checksummed = true;
  }

  /** Reads a stream's own data in pieces of at most `chunk` bytes (building an index at an upgrade). */
  async *scan(entry: Entry, chunk: number): AsyncGenerator<Uint8Array> {
    const length = entry.tail - entry.base;
    for (let at = Math.max(0, entry.earliest - entry.base); at < length; at += chunk) {
      yield await this.readData(entry, at, Math.min(length, at + chunk));
    }
  }

  /** Deletes the files of segments retention freed (their trim is durable). */
  async dropSegments(entry: Entry, segments: readonly number[]): Promise<void> {
    this.checksums.drop(entry, (segment) => this.dropped(entry, segment));
    for (const segment of segments) {
      entry.compacted?.delete(segment);
      // Its bytes are in its data file, or in its .cpt once compacted: shrink whichever it has.
      for (const kind of ["data", "cpt"] as const) {
        const path = this.path(entry, segment, kind);
        this.files.retire(path);
        await shrinkFile(this.io, path);
      }
      for (const kind of FILE_KINDS) await this.unlink(this.path(entry, segment, kind));
    }
  }

  /** Closes and deletes every file of a stream (once its removal is durable). */
  async remove(entry: Entry): Promise<void> {
    const { first, last } = entry.segments();
    for (let segment = first; segment <= last; segment++) {
      for (const kind of FILE_KINDS) await this.unlink(this.path(entry, segment, kind));
    }
  }

  /** Deletes a stream file by name (an orphan found at open). */
  unlinkName(name: string): Promise<void> {
    return this.unlink(this.prefix + name);
  }

  private async unlink(path: string): Promise<void> {
    this.files.retire(path);
    this.metas.delete(path);
    await this.io.unlink(path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    });
  }

  forget(entry: Entry): void {
    this.checksums.forget(entry);
    this.ahead.forget(entry);
  }

  async closeAll(): Promise<void> {
    await this.checksums.flushing;
    await this.files.closeAll();
  }

  private corrupt(
    entry: Entry,
    kind: SegmentFileKind,
    position: number,
    problem: string,
    segment = 0,
  ): StoreCorruptionError {
    const file = `streams/${segmentFileName(entry.id, segmentStart(entry.layout, segment), kind)}`;
    const error = new StoreCorruptionError(
      file,
      position,
      `Stored data of ${entry.meta.path} is corrupt: ${file} ${problem} (byte ${position}); run rivulet fsck`,
      entry.meta.path,
    );
    this.events.corruption(error);
    return error;
  }
}

/** The bytes [from, to) of consecutive parts, as parts (no copy). */
function sliceParts(parts: Uint8Array[], from: number, to: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const part of parts) {
    const end = at + part.length;
    if (end > from && at < to) out.push(part.subarray(Math.max(0, from - at), Math.min(part.length, to - at)));
    at = end;
  }
  return out;
}
