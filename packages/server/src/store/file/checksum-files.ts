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
import { pieces, segmentEnd, segmentOf, segmentStart } from "./segments.js";
import { SlotCache, WINDOW_BLOCKS } from "./slot-cache.js";

export interface ChecksumFileLayout {
  /** Path of a segment's checksum file. */
  path(entry: Entry, segment: number): string;
  /** Whether retention deleted the segment's files. */
  dropped(entry: Entry, segment: number): boolean;
}

export class ChecksumFiles {
  /** Full-block checksums committed but not yet in their checksum file, by block index. */
  private readonly pending = new Map<Entry, Map<number, number>>();
  /** Slots read from the checksum files, for the reads that follow. */
  private readonly read = new SlotCache();
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
    for (const block of completed) {
      blocks.set(block.index, block.crc);
      this.read.set(entry, block.index, block.crc);
    }
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

  /**
   * Checksums of `count` blocks from `first`: from memory while pending, else from the checksum
   * files, whose slots are read a window at a time and kept for the reads that follow.
   */
  async of(entry: Entry, first: number, count: number): Promise<Array<number | undefined>> {
    const pending = this.pending.get(entry);
    const crcs = new Array<number | undefined>(count);
    let missing = false;
    for (let i = 0; i < count; i++) {
      crcs[i] = pending?.get(first + i) ?? this.read.get(entry, first + i);
      missing ||= crcs[i] === undefined;
    }
    if (!missing) return crcs;
    for (const span of pieces(entry.layout, first * BLOCK_BYTES, (first + count) * BLOCK_BYTES)) {
      await this.readWindows(entry, span, crcs, first);
    }
    return crcs;
  }

  /**
   * Fills the gaps of `crcs` (blocks from `first`) within `span` of one segment, reading each
   * window of slots that holds a gap and keeping it for the reads that follow.
   */
  private async readWindows(
    entry: Entry,
    span: { segment: number; start: number; end: number },
    crcs: Array<number | undefined>,
    first: number,
  ): Promise<void> {
    const segmentFirst = segmentStart(entry.layout, span.segment) / BLOCK_BYTES;
    const segmentBlocks = segmentEnd(entry.layout, span.segment) / BLOCK_BYTES - segmentFirst;
    const spanFirst = span.start / BLOCK_BYTES;
    const spanEnd = span.end / BLOCK_BYTES;
    for (
      let local = Math.floor((spanFirst - segmentFirst) / WINDOW_BLOCKS) * WINDOW_BLOCKS;
      segmentFirst + local < spanEnd;
      local += WINDOW_BLOCKS
    ) {
      const windowFirst = segmentFirst + local;
      const from = Math.max(spanFirst, windowFirst);
      const to = Math.min(spanEnd, windowFirst + WINDOW_BLOCKS);
      if (crcs.slice(from - first, to - first).every((crc) => crc !== undefined)) continue;
      const blocks = Math.min(WINDOW_BLOCKS, segmentBlocks - local);
      const window = await this.readWindow(entry, span.segment, local, windowFirst, blocks);
      this.read.put(entry, span.segment, windowFirst, window);
      for (let index = from; index < to; index++) crcs[index - first] ??= window[index - windowFirst];
    }
  }

  /**
   * The CRCs of a window of `blocks` slots from `local` of a segment's checksum file (`first`:
   * the block index of its first slot). A slot is taken from the file only for a block complete
   * before the read began: its checksum was then in the file already, or pending in memory —
   * taken from there, as a write during the read may leave the read with the slot's old bytes.
   */
  private async readWindow(
    entry: Entry,
    segment: number,
    local: number,
    first: number,
    blocks: number,
  ): Promise<Array<number | undefined>> {
    const complete = Math.floor((entry.tail - entry.base) / BLOCK_BYTES);
    const before = this.pending.get(entry);
    const pendingBefore = Array.from({ length: blocks }, (_, i) => before?.get(first + i));
    const slots = await this.readSlots(entry, segment, local, blocks);
    const after = this.pending.get(entry);
    return Array.from({ length: blocks }, (_, i) => {
      const index = first + i;
      const fromFile = index < complete ? decodeSlot(slots, i * SLOT_BYTES, index) : undefined;
      return pendingBefore[i] ?? after?.get(index) ?? fromFile;
    });
  }

  /** Forgets the pending checksums of blocks in segments `gone` says no longer need them. */
  drop(entry: Entry, gone: (segment: number) => boolean): void {
    const pending = this.pending.get(entry);
    for (const index of pending?.keys() ?? []) {
      if (gone(segmentOf(entry.layout, index * BLOCK_BYTES))) pending!.delete(index);
    }
    this.read.forget(entry, gone);
  }

  forget(entry: Entry): void {
    this.pending.delete(entry);
    this.read.forget(entry);
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
