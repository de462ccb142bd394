/**
 * Stream data files and their block checksums (block-crc.ts). A data file holds a stream's
 * bytes in wire format; its checksum file (`<id>.crc`) holds one slot per full block. Every
 * read from disk is checked block by block, so corrupt bytes are never served.
 *
 * Full-block checksums are computed as records commit, so they never cover bytes past the
 * durable tail; they wait in memory until written to the checksum file (in the background,
 * and before every checkpoint's fsync), and reads consult them there meanwhile.
 */
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { StoreCorruptionError } from "../errors.js";
import {
  BLOCK_BYTES,
  blockStart,
  type CompletedBlock,
  decodeSlot,
  encodeSlot,
  extendBlocks,
  SLOT_BYTES,
} from "./block-crc.js";
import type { Entry } from "./catalog.js";
import { FdCache, type FdCacheEvents } from "./fd-cache.js";
import { type FileIo, readFully, ShortReadError, writeFully } from "./io.js";

export interface DataFileEvents extends FdCacheEvents {
  corruption(error: StoreCorruptionError): void;
}

/** Bytes read at a time when checksumming a data file of the previous format. */
const CHECKSUM_CHUNK = 32 * BLOCK_BYTES;

export class DataFiles {
  private readonly files: FdCache;
  /** Full-block checksums committed but not yet in their checksum file. */
  private readonly pending = new Map<Entry, Map<number, number>>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly io: FileIo,
    readonly dir: string,
    maxOpenFiles: number,
    private readonly events: DataFileEvents,
  ) {
    this.files = new FdCache(io, maxOpenFiles, events);
    this.prefix = join(dir, "/");
  }

  /** `<dir>/`, so a file's path is one concatenation (reads compute it every time). */
  private readonly prefix: string;

  get openCount(): number {
    return this.files.openCount;
  }

  /** Set while the process is out of descriptors (readiness says so). */
  get shortage(): Error | undefined {
    return this.files.shortage;
  }

  dataPath(id: number): string {
    return `${this.prefix}${id}.data`;
  }

  crcPath(id: number): string {
    return `${this.prefix}${id}.crc`;
  }

  /** Writes bytes at a data-file position (not yet durable: the log is). */
  write(entry: Entry, position: number, parts: Uint8Array[]): Promise<void> {
    return this.files.use(this.dataPath(entry.id), (handle) => writeFully(this.io, handle, parts, position));
  }

  /** Whether the data file already holds exactly these bytes at `position`. */
  async holds(entry: Entry, position: number, parts: Uint8Array[]): Promise<boolean> {
    const expected = Buffer.concat(parts);
    const actual = await this.files
      .use(this.dataPath(entry.id), (handle) => readFully(this.io, handle, expected.length, position))
      .catch(() => undefined);
    return actual?.equals(expected) ?? false;
  }

  /** Queues the checksums of blocks a committed record completed, and writes them in the background. */
  addBlocks(entry: Entry, completed: readonly CompletedBlock[]): void {
    if (completed.length === 0) return;
    let blocks = this.pending.get(entry);
    if (!blocks) {
      blocks = new Map();
      this.pending.set(entry, blocks);
    }
    for (const block of completed) blocks.set(block.index, block.crc);
    this.flushing ??= this.flushPending()
      .catch(() => {}) // left pending: the next flush (at the latest, the checkpoint's) retries
      .finally(() => {
        this.flushing = undefined;
      });
  }

  /** Writes every pending checksum to its file; rejects (keeping them pending) if one cannot be. */
  async flushPending(): Promise<void> {
    await this.flushing;
    const failures: unknown[] = [];
    await Promise.all(
      [...this.pending].map(([entry, blocks]) =>
        this.writeSlots(entry, blocks).catch((error: unknown) => {
          failures.push(error);
        }),
      ),
    );
    if (failures.length > 0) throw failures[0];
  }

  private async writeSlots(entry: Entry, blocks: Map<number, number>): Promise<void> {
    const written = [...blocks].sort((a, b) => a[0] - b[0]);
    await this.files.use(this.crcPath(entry.id), async (handle) => {
      // Contiguous runs of slots, one write each (usually one run).
      for (let i = 0; i < written.length; ) {
        let j = i + 1;
        while (j < written.length && written[j]![0] === written[j - 1]![0] + 1) j++;
        const slots = written.slice(i, j).map(([index, crc]) => encodeSlot({ index, crc }));
        await writeFully(this.io, handle, slots, written[i]![0] * SLOT_BYTES);
        i = j;
      }
    });
    for (const [index, crc] of written) if (blocks.get(index) === crc) blocks.delete(index);
    if (blocks.size === 0 && this.pending.get(entry) === blocks) this.pending.delete(entry);
  }

  /** fsyncs a stream's data file and checksum file with `datasync` (the caller decides what a failure means). */
  async sync(entry: Entry, datasync: (handle: FileHandle) => Promise<void>): Promise<void> {
    await this.files.use(this.dataPath(entry.id), datasync);
    if (entry.tail - entry.base >= BLOCK_BYTES) await this.files.use(this.crcPath(entry.id), datasync);
  }

  /**
   * The stream's bytes at data-file positions [start, end), checked against their block
   * checksums. The tail and its partial-block CRC are taken once, first: bytes below that tail
   * never change, whatever commits meanwhile.
   */
  async read(entry: Entry, start: number, end: number): Promise<Uint8Array> {
    const length = entry.tail - entry.base;
    const tailCrc = entry.tailCrc;
    if (!entry.checksummed) {
      return this.files.use(this.dataPath(entry.id), (handle) => readFully(this.io, handle, end - start, start));
    }
    const lastBlock = blockStart(length);
    const from = blockStart(start);
    const to = end > lastBlock ? length : Math.ceil(end / BLOCK_BYTES) * BLOCK_BYTES;
    const fullEnd = Math.min(to, lastBlock);
    // The data and its checksums are read side by side.
    const [bytes, crcs] = await Promise.all([
      this.readData(entry, from, to),
      fullEnd > from ? this.blockCrcs(entry, from / BLOCK_BYTES, (fullEnd - from) / BLOCK_BYTES) : undefined,
    ]);
    if (crcs) this.checkFullBlocks(entry, bytes, from, crcs);
    if (to === length && length > lastBlock) {
      if (crc32(bytes.subarray(lastBlock - from)) !== tailCrc) {
        throw this.corrupt(entry, "data", lastBlock, "its last block does not match its checksum");
      }
    }
    return bytes.subarray(start - from, end - from);
  }

  /** Data-file bytes [from, to); a file that ends early is damage, not a bug. */
  private readData(entry: Entry, from: number, to: number): Promise<Buffer> {
    return this.files.use(this.dataPath(entry.id), (handle) =>
      readFully(this.io, handle, to - from, from).catch((error: unknown) => {
        if (!(error instanceof ShortReadError)) throw error;
        throw this.corrupt(entry, "data", error.end, `ends at byte ${error.end}, before ${to}`);
      }),
    );
  }

  private checkFullBlocks(entry: Entry, bytes: Uint8Array, from: number, crcs: Array<number | undefined>): void {
    const first = from / BLOCK_BYTES;
    for (let i = 0; i < crcs.length; i++) {
      const index = first + i;
      const expected = crcs[i];
      if (expected === undefined) {
        throw this.corrupt(entry, "crc", index * SLOT_BYTES, `holds no valid checksum for block ${index}`);
      }
      const block = bytes.subarray(i * BLOCK_BYTES, (i + 1) * BLOCK_BYTES);
      if (crc32(block) !== expected) {
        throw this.corrupt(entry, "data", index * BLOCK_BYTES, `block ${index} does not match its checksum`);
      }
    }
  }

  /** Checksums of `count` blocks from `first`: from memory while pending, else from the checksum file. */
  private async blockCrcs(entry: Entry, first: number, count: number): Promise<Array<number | undefined>> {
    const pending = this.pending.get(entry);
    const crcs = new Array<number | undefined>(count);
    let missing = false;
    for (let i = 0; i < count; i++) {
      crcs[i] = pending?.get(first + i);
      missing ||= crcs[i] === undefined;
    }
    if (!missing) return crcs;
    const slots = await this.files.use(this.crcPath(entry.id), async (handle) => {
      const buffer = new Uint8Array(count * SLOT_BYTES);
      let done = 0;
      while (done < buffer.length) {
        const n = await this.io.read(handle, buffer.subarray(done), first * SLOT_BYTES + done);
        if (n === 0) break;
        done += n;
      }
      return buffer;
    });
    return crcs.map((crc, i) => crc ?? decodeSlot(slots, i * SLOT_BYTES, first + i));
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
      await this.writeSlots(entry, new Map(completed.map((block) => [block.index, block.crc])));
    }
    entry.tailCrc = tailCrc;
    entry.checksummed = true;
  }

  /** Closes and deletes a stream's files (once its removal is durable). */
  async remove(id: number): Promise<void> {
    for (const path of [this.dataPath(id), this.crcPath(id)]) {
      await this.files.drop(path);
      await this.io.unlink(path).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      });
    }
  }

  forget(entry: Entry): void {
    this.pending.delete(entry);
  }

  async closeAll(): Promise<void> {
    await this.flushing;
    await this.files.closeAll();
  }

  private corrupt(entry: Entry, kind: "data" | "crc", position: number, problem: string): StoreCorruptionError {
    const file = `streams/${entry.id}.${kind}`;
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
