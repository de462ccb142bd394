/**
 * Log segment framing (format 2; docs/storage.md, "Log segments").
 *
 * A segment starts with a header, then holds one batch frame per log write:
 *
 *   header: "RVLG" | u32 version | u32 salt | u32 CRC-32 of the 12 bytes before it
 *   batch:  "RVB1" | u32 record count | u32 byte length of the records
 *           | u32 CRC-32 of the records' 8-byte frame headers | u32 CRC-32 of the 16 bytes before it, seeded with the salt
 *           | the records (codec.ts), each with its own CRC
 *
 * One log write is one group commit; on power loss its sectors may land out of order, so a
 * torn write can leave a bad record followed by good records of the same, never acknowledged,
 * batch. The batch is therefore the unit of validity: a batch is intact only if its header,
 * its frame headers and every record check out. The salt (random per segment) keeps a batch
 * frame carried inside a record's payload from ever passing as a real one.
 *
 * Segments of format 1 have no header: they start with a record frame. They are read as one
 * batch per record.
 */
import { crc32 } from "node:zlib";
import { type Decoded, decodeRecord, FRAME_HEADER, type WalRecord } from "./codec.js";

export const SEGMENT_MAGIC = 0x52564c47; // "RVLG"
export const SEGMENT_VERSION = 2;
export const SEGMENT_HEADER = 16;
export const BATCH_MAGIC = 0x52564231; // "RVB1"
export const BATCH_HEADER = 20;
const BATCH_MAGIC_BYTES = Buffer.from([0x52, 0x56, 0x42, 0x31]);

export function encodeSegmentHeader(salt: number): Uint8Array {
  const header = new Uint8Array(SEGMENT_HEADER);
  const view = new DataView(header.buffer);
  view.setUint32(0, SEGMENT_MAGIC);
  view.setUint32(4, SEGMENT_VERSION);
  view.setUint32(8, salt);
  view.setUint32(12, crc32(header.subarray(0, 12)));
  return header;
}

export type SegmentHeader =
  | { readonly version: 1 }
  | { readonly version: 2; readonly salt: number }
  /** No byte was ever written (a segment started just before a crash). */
  | { readonly version: "empty" }
  | { readonly version: "bad" };

export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeader {
  if (bytes.length === 0 || isZero(bytes, 0, Math.min(bytes.length, SEGMENT_HEADER))) {
    return bytes.length <= SEGMENT_HEADER || isZero(bytes, 0, bytes.length) ? { version: "empty" } : { version: "bad" };
  }
  const view = viewOf(bytes);
  if (bytes.length < 4 || view.getUint32(0) !== SEGMENT_MAGIC) return { version: 1 };
  if (bytes.length < SEGMENT_HEADER) return { version: "bad" };
  const valid = view.getUint32(12) === crc32(bytes.subarray(0, 12)) && view.getUint32(4) === SEGMENT_VERSION;
  return valid ? { version: 2, salt: view.getUint32(8) } : { version: "bad" };
}

/** The batch frame for records already encoded as frame parts (each record's first part is its frame header). */
export function encodeBatchHeader(salt: number, records: Uint8Array[][]): Uint8Array {
  let length = 0;
  let headersCrc = 0;
  for (const parts of records) {
    headersCrc = crc32(parts[0]!, headersCrc);
    for (const part of parts) length += part.length;
  }
  const header = new Uint8Array(BATCH_HEADER);
  const view = new DataView(header.buffer);
  view.setUint32(0, BATCH_MAGIC);
  view.setUint32(4, records.length);
  view.setUint32(8, length);
  view.setUint32(12, headersCrc);
  view.setUint32(16, crc32(header.subarray(0, 16), salt));
  return header;
}

export interface Batch {
  /** Offset of the batch frame in the segment. */
  readonly offset: number;
  readonly records: WalRecord[];
  /** Offset just past the batch. */
  readonly next: number;
}

/**
 * Reads the intact batch at `offset`, or undefined if anything in it fails a check. Without a
 * salt (the segment header is damaged) the frame's own checksum cannot be checked; the frame
 * headers' and every record's still are.
 */
export function decodeBatch(bytes: Uint8Array, offset: number, salt: number | undefined): Batch | undefined {
  const header = batchHeader(bytes, offset, salt);
  if (!header) return undefined;
  const end = offset + BATCH_HEADER + header.length;
  const records: WalRecord[] = [];
  let headersCrc = 0;
  let at = offset + BATCH_HEADER;
  for (let i = 0; i < header.count; i++) {
    const decoded = decodeRecord(bytes, at);
    if (!decoded || decoded.next > end) return undefined;
    headersCrc = crc32(bytes.subarray(at, at + FRAME_HEADER), headersCrc);
    records.push(decoded.record);
    at = decoded.next;
  }
  return at === end && headersCrc === header.headersCrc ? { offset, records, next: end } : undefined;
}

interface BatchHeader {
  readonly count: number;
  readonly length: number;
  readonly headersCrc: number;
}

/** A batch frame header that checks out and whose records fit in `bytes`. */
function batchHeader(bytes: Uint8Array, offset: number, salt: number | undefined): BatchHeader | undefined {
  if (offset + BATCH_HEADER > bytes.length) return undefined;
  const view = viewOf(bytes);
  if (view.getUint32(offset) !== BATCH_MAGIC) return undefined;
  if (salt !== undefined && view.getUint32(offset + 16) !== crc32(bytes.subarray(offset, offset + 16), salt)) {
    return undefined;
  }
  const count = view.getUint32(offset + 4);
  const length = view.getUint32(offset + 8);
  if (count === 0 || offset + BATCH_HEADER + length > bytes.length) return undefined;
  return { count, length, headersCrc: view.getUint32(offset + 12) };
}

/** The first intact batch starting after `from`, found by its magic (a resync after damage). */
export function nextIntactBatch(bytes: Uint8Array, from: number, salt: number | undefined): Batch | undefined {
  const magic = BATCH_MAGIC_BYTES;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = buffer.indexOf(magic, from); at !== -1; at = buffer.indexOf(magic, at + 1)) {
    const batch = decodeBatch(bytes, at, salt);
    if (batch) return batch;
  }
  return undefined;
}

/**
 * Format 1 had no batches: each record is read as a batch of one. After a bad record, the next
 * record is looked for where the bad one's length field says it ends (a flipped payload byte
 * leaves that length intact); a damaged length field cannot be skipped.
 */
export function decodeLegacyBatch(bytes: Uint8Array, offset: number): Batch | undefined {
  const decoded: Decoded | undefined = decodeRecord(bytes, offset);
  return decoded && { offset, records: [decoded.record], next: decoded.next };
}

export function nextLegacyRecord(bytes: Uint8Array, from: number): Batch | undefined {
  for (let at = skipFrame(bytes, from); at !== undefined; at = skipFrame(bytes, at)) {
    const batch = decodeLegacyBatch(bytes, at);
    if (batch) return batch;
  }
  return undefined;
}

/** Where a frame at `at` would end according to its length field, if that is plausible. */
export function skipFrame(bytes: Uint8Array, at: number): number | undefined {
  if (at + FRAME_HEADER > bytes.length) return undefined;
  const length = viewOf(bytes).getUint32(at);
  const next = at + FRAME_HEADER + length;
  return length > 0 && next <= bytes.length ? next : undefined;
}

export function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
