/**
 * Block checksums of stream data files (docs/storage.md, "Data files"). A data file is cut
 * into fixed blocks; each full block's CRC-32 is kept in the stream's checksum file, and the
 * CRC of the last, partial block is kept in the catalog (and so in the checkpoint), continued
 * as appends arrive. A read checks every block it touches, so corrupt bytes are never served,
 * at the cost of reading at most one block more on each side.
 *
 * Checksum file: one 8-byte slot per full block: u32 CRC-32 of the block | u32 CRC-32 of
 * (block index, that CRC). The second word tells a damaged slot from a damaged block.
 */
import { crc32 } from "node:zlib";

export const BLOCK_BYTES = 32 * 1024;
export const SLOT_BYTES = 8;

export interface CompletedBlock {
  readonly index: number;
  readonly crc: number;
}

/**
 * Continues the checksum of a data file whose first `length` bytes have partial-block CRC
 * `tailCrc`, over `data` appended at `length`. Returns the new partial-block CRC and the
 * blocks `data` completed.
 */
export function extendBlocks(
  length: number,
  tailCrc: number,
  data: Uint8Array,
): { tailCrc: number; completed: CompletedBlock[] } {
  const completed: CompletedBlock[] = [];
  let position = length;
  let crc = tailCrc;
  let at = 0;
  while (at < data.length) {
    const blockEnd = (Math.floor(position / BLOCK_BYTES) + 1) * BLOCK_BYTES;
    const take = Math.min(data.length - at, blockEnd - position);
    crc = crc32(data.subarray(at, at + take), crc);
    at += take;
    position += take;
    if (position === blockEnd) {
      completed.push({ index: blockEnd / BLOCK_BYTES - 1, crc });
      crc = 0;
    }
  }
  return { tailCrc: crc, completed };
}

export function blockStart(position: number): number {
  return Math.floor(position / BLOCK_BYTES) * BLOCK_BYTES;
}

export function encodeSlot(block: CompletedBlock): Uint8Array {
  const slot = new Uint8Array(SLOT_BYTES);
  const view = new DataView(slot.buffer);
  view.setUint32(0, block.crc);
  view.setUint32(4, slotCheck(block.index, block.crc));
  return slot;
}

/** The block CRC a slot holds, or undefined when the slot itself is damaged (or was never written). */
export function decodeSlot(slots: Uint8Array, at: number, index: number): number | undefined {
  if (at + SLOT_BYTES > slots.length) return undefined;
  const crc = readU32(slots, at);
  return readU32(slots, at + 4) === slotCheck(index, crc) ? crc : undefined;
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** Scratch space for slotCheck: it runs synchronously, so one buffer serves every call. */
const SCRATCH = new Uint8Array(12);
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);

function slotCheck(index: number, crc: number): number {
  SCRATCH_VIEW.setFloat64(0, index);
  SCRATCH_VIEW.setUint32(8, crc);
  return crc32(SCRATCH);
}
