/**
 * A stream's checksum files (block-crc.ts has the slot format): full-block checksums are
 * computed as records commit, wait in memory until written (in the background, and before
 * every checkpoint's fsync), and are answered from memory meanwhile, so they never cover bytes
 * past the durable tail and a read never waits for them.
 */
import { StoreTrimmedError } from "../errors.js";
import { BLOCK_BYTES, type CompletedBlock, decodeSlot, encodeSlot, SLOT_BYTES } from "./block-crc.js";
import type { Entry } from "./catalog.js";
import type { FdCache } from "./fd-cache.js";
import { type FileIo, writeFully } from "./io.js";
import { pieces, segmentOf, segmentStart } from "./segments.js";

export interface ChecksumFileLayout {
  /** Path of a segment's checksum file. */
  path(entry: Entry, segment: number): string;
  /** Whether retention deleted the segment's files. */
  dropped(entry: Entry, segment: number): boolean;
}

export class ChecksumFiles {
  /** Full-block checksums committed but not yet in their checksum file, by block index. */
  private readonly pending = new Map<Entry, Map<number, number>>();
  /** The background write in progress. */
  flushing: Promise<void> | undefined;

  constructor(
    private readonly io: FileIo,
    private readonly files: FdCache,
    private readonly layout: ChecksumFileLayout,
  ) {}

  /** Queues the checksums of blocks a committed record completed, and writes them in the background. */
  add(entry: Entry, completed: readonly CompletedBlock[]): void {
    if (completed.length === 0) return;
    let blocks = this.pending.get(entry);
    if (!blocks) {
      blocks = new Map();
      this.pending.set(entry, blocks);
    }
    for (const block of completed) blocks.set(block.index, block.crc);
    this.flushing ??= this.flush()
      .catch(() => {}) // left pending: the next flush (at the latest, the checkpoint's) retries
      .finally(() => {
        this.flushing = undefined;
      });
  }

  /** Writes every pending checksum to its file; rejects (keeping them pending) if one cannot be. */
  async flush(): Promise<void> {
    await this.flushing;
    const failures: unknown[] = [];
    await Promise.all(
      [...this.pending].map(([entry, blocks]) =>
        this.write(entry, blocks).catch((error: unknown) => {
          failures.push(error);
        }),
      ),
    );
    if (failures.length > 0) throw failures[0];
  }

  /** Writes checksums (block index → CRC) to their files; those written leave `blocks`. */
  async write(entry: Entry, blocks: Map<number, number>): Promise<void> {
    const written = [...blocks].sort((a, b) => a[0] - b[0]);
    // Contiguous runs of slots within one segment's checksum file, one write each (usually one run).
    for (let i = 0; i < written.length; ) {
      const segment = segmentOf(entry.layout, written[i]![0] * BLOCK_BYTES);
      const firstBlock = segmentStart(entry.layout, segment) / BLOCK_BYTES;
      let j = i + 1;
      while (
        j < written.length &&
        written[j]![0] === written[j - 1]![0] + 1 &&
        segmentOf(entry.layout, written[j]![0] * BLOCK_BYTES) === segment
      ) {
        j++;
      }
      const slots = written.slice(i, j).map(([index, crc]) => encodeSlot({ index, crc }));
      const at = (written[i]![0] - firstBlock) * SLOT_BYTES;
      // A segment retention deleted, or compaction rewrote, needs no checksums (nor a new file).
      if (!this.layout.dropped(entry, segment) && !entry.compacted?.has(segment)) {
        await this.files.use(this.layout.path(entry, segment), (handle) => writeFully(this.io, handle, slots, at));
      }
      i = j;
    }
    for (const [index, crc] of written) if (blocks.get(index) === crc) blocks.delete(index);
    if (blocks.size === 0 && this.pending.get(entry) === blocks) this.pending.delete(entry);
  }

  /** Checksums of `count` blocks from `first`: from memory while pending, else from the checksum files. */
  async of(entry: Entry, first: number, count: number): Promise<Array<number | undefined>> {
    const pending = this.pending.get(entry);
    const crcs = new Array<number | undefined>(count);
    let missing = false;
    for (let i = 0; i < count; i++) {
      crcs[i] = pending?.get(first + i);
      missing ||= crcs[i] === undefined;
    }
    if (!missing) return crcs;
    for (const span of pieces(entry.layout, first * BLOCK_BYTES, (first + count) * BLOCK_BYTES)) {
      const firstBlock = span.start / BLOCK_BYTES;
      const blocks = (span.end - span.start) / BLOCK_BYTES;
      const local = firstBlock - segmentStart(entry.layout, span.segment) / BLOCK_BYTES;
      const slots = await this.readSlots(entry, span.segment, local, blocks);
      for (let i = 0; i < blocks; i++) {
        const at = firstBlock - first + i;
        crcs[at] ??= decodeSlot(slots, i * SLOT_BYTES, firstBlock + i);
      }
    }
    return crcs;
  }

  /** Forgets the pending checksums of blocks in segments `gone` says no longer need them. */
  drop(entry: Entry, gone: (segment: number) => boolean): void {
    const pending = this.pending.get(entry);
    for (const index of pending?.keys() ?? []) {
      if (gone(segmentOf(entry.layout, index * BLOCK_BYTES))) pending!.delete(index);
    }
  }

  forget(entry: Entry): void {
    this.pending.delete(entry);
  }

  /** Raw slots of a segment's checksum file (fewer bytes where the file ends: those read as damaged). */
  private readSlots(entry: Entry, segment: number, local: number, count: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(count * SLOT_BYTES);
    return this.files
      .use(
        this.layout.path(entry, segment),
        async (handle) => {
          let done = 0;
          while (done < buffer.length) {
            const n = await this.io.read(handle, buffer.subarray(done), local * SLOT_BYTES + done);
            if (n === 0) break;
            done += n;
          }
          return buffer;
        },
        false,
      )
      .catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        if (this.layout.dropped(entry, segment)) throw new StoreTrimmedError(entry.meta.path, entry.earliest);
        return buffer; // no checksum file: every slot reads as damaged
      });
  }
}
