/**
 * Checks a stream's files offline against their checksums (data blocks, compacted segments, append-index entries),
 * over what recovery takes from the files rather than from the log: up to the tail the trusted
 * checkpoint records.
 */
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { IndexEntry } from "../../types.js";
import { BLOCK_BYTES, blockStart, decodeSlot, SLOT_BYTES } from "../block-crc.js";
import type { Entry } from "../catalog.js";
import { checkCompacted } from "../compacted-files.js";
import { decodeIndexEntry, INDEX_ENTRY_BYTES } from "../index-files.js";
import type { FileIo } from "../io.js";
import { pieces, type SegmentFileKind, segmentFileName, segmentOf, segmentStart } from "../segments.js";

export interface BlockDamage {
  /** Data-file positions [from, to). */
  readonly from: number;
  readonly to: number;
  /**
   * `data`: the bytes fail their checksum; `checksum`: the slot itself is damaged; `missing`:
   * the file ends early; `index`: an append-index entry from here on is damaged or out of order.
   */
  readonly kind: "data" | "checksum" | "missing" | "index";
}

/** Blocks read at a time. */
const CHUNK_BLOCKS = 32;

/**
 * Damaged blocks of `entry`'s data files below its tail (as the trusted checkpoint records
 * it), segment by segment from the first one retention kept, then the first damaged or
 * out-of-order entry of its append index.
 */
export async function checkDataFile(io: FileIo, streamsDir: string, entry: Entry): Promise<BlockDamage[]> {
  const length = entry.tail - entry.base;
  if (length === 0 || !entry.checksummed) return [];
  const damage: BlockDamage[] = [];
  const add = (from: number, to: number, kind: BlockDamage["kind"]) => {
    const last = damage.at(-1);
    if (last && last.to === from && last.kind === kind) damage[damage.length - 1] = { ...last, to };
    else damage.push({ from, to, kind });
  };
  const first = segmentOf(entry.layout, Math.max(0, entry.earliest - entry.base));
  for (const span of pieces(entry.layout, segmentStart(entry.layout, first), length)) {
    const complete = await checkSegment(io, streamsDir, entry, span, add);
    if (!complete) break;
  }
  const index = await checkIndex(io, streamsDir, entry);
  if (index !== undefined) damage.push({ from: index, to: length, kind: "index" });
  return damage;
}

/** Checks one segment's blocks in [span.start, span.end); false when its data file ends early. */
async function checkSegment(
  io: FileIo,
  streamsDir: string,
  entry: Entry,
  span: { segment: number; start: number; end: number },
  add: (from: number, to: number, kind: BlockDamage["kind"]) => void,
): Promise<boolean> {
  const length = entry.tail - entry.base;
  const offset = segmentStart(entry.layout, span.segment);
  const file = (kind: SegmentFileKind) => join(streamsDir, segmentFileName(entry.id, offset, kind));
  // A segment compaction rewrote is its .cpt file, checked whole (compacted-files.ts).
  const compacted = await withFile(io, file("cpt"), (handle) => checkCompacted(io, handle));
  if (compacted !== undefined) {
    if (!compacted) add(span.start, span.end, "data");
    return true;
  }
  const fullBlocks = Math.floor((span.end - offset) / BLOCK_BYTES);
  const slots = await withFile(io, file("crc"), (handle) => readAt(io, handle, 0, fullBlocks * SLOT_BYTES));
  const complete = await withFile(io, file("data"), async (handle) => {
    for (let from = span.start; from < span.end; from += CHUNK_BLOCKS * BLOCK_BYTES) {
      const want = Math.min(CHUNK_BLOCKS * BLOCK_BYTES, span.end - from);
      const chunk = await readAt(io, handle, from - offset, want);
      for (let at = 0; at < chunk.length; at += BLOCK_BYTES) {
        const start = from + at;
        const block = chunk.subarray(at, at + BLOCK_BYTES);
        const kind = blockDamage(block, start, length, slots, offset, entry.tailCrc);
        if (kind) add(start, start + block.length, kind);
      }
      if (chunk.length < want) {
        add(blockStart(from + chunk.length), length, "missing");
        return false;
      }
    }
    return true;
  });
  if (complete === undefined) add(span.start, length, "missing");
  return complete === true;
}

/**
 * The data-file position from which the append index can no longer be trusted (the last intact
 * entry before the first damaged or out-of-order one: its append goes too), or undefined.
 */
async function checkIndex(io: FileIo, streamsDir: string, entry: Entry): Promise<number | undefined> {
  if (!entry.indexed) return undefined;
  let previous: IndexEntry | undefined;
  const cut = () => (previous ? previous.position : Math.max(entry.earliest, entry.base)) - entry.base;
  for (let segment = entry.counts.first; segment <= entry.counts.last; segment++) {
    const count = entry.counts.of(segment);
    if (count === 0) continue;
    const offset = segmentStart(entry.layout, segment);
    const path = join(streamsDir, segmentFileName(entry.id, offset, "idx"));
    const bytes =
      (await withFile(io, path, (handle) => readAt(io, handle, 0, count * INDEX_ENTRY_BYTES))) ?? Buffer.alloc(0);
    for (let slot = 0; slot < count; slot++) {
      const decoded = decodeIndexEntry(bytes, slot * INDEX_ENTRY_BYTES, slot);
      const inSegment = decoded && segmentOf(entry.layout, decoded.position - entry.base) === segment;
      const ordered =
        decoded &&
        decoded.position < entry.tail &&
        (!previous ||
          (decoded.position > previous.position && decoded.seq >= previous.seq && decoded.ts >= previous.ts));
      if (!decoded || !inSegment || !ordered) return cut();
      previous = decoded;
    }
  }
  return undefined;
}

function blockDamage(
  block: Uint8Array,
  start: number,
  length: number,
  slots: Buffer | undefined,
  offset: number,
  tailCrc: number,
): BlockDamage["kind"] | undefined {
  if (block.length < BLOCK_BYTES && start + block.length === length) {
    return crc32(block) === tailCrc ? undefined : "data";
  }
  if (block.length < BLOCK_BYTES) return "missing";
  const index = start / BLOCK_BYTES;
  const local = (start - offset) / BLOCK_BYTES;
  const expected =
    slots && slots.length >= (local + 1) * SLOT_BYTES ? decodeSlot(slots, local * SLOT_BYTES, index) : undefined;
  if (expected === undefined) return "checksum";
  return crc32(block) === expected ? undefined : "data";
}

/** Runs `work` on the file opened read-only; undefined if it does not exist. */
async function withFile<T>(io: FileIo, path: string, work: (handle: FileHandle) => Promise<T>): Promise<T | undefined> {
  let handle: FileHandle;
  try {
    handle = await io.open(path, 0);
  } catch {
    return undefined;
  }
  try {
    return await work(handle);
  } finally {
    await handle.close();
  }
}

/** Up to `length` bytes at `position` (fewer where the file ends). */
async function readAt(io: FileIo, handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = await io.read(handle, buffer.subarray(done), position + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}
