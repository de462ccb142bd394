/**
 * Compacted segments on disk (docs/storage.md, "Compaction"): a segment compaction rewrote is
 * one file, `<id>.<start>.cpt`, in place of its data and checksum files, holding its span
 * table (compacted-unit.ts) and only its kept bytes:
 *
 *   header (24 bytes): "RVC1" | u32 span count | f64 packed bytes | u32 CRC-32 of the table
 *                      and block CRCs | u32 CRC-32 of the header's first 20 bytes
 *   table:             span count × u32
 *   block CRCs:        one u32 CRC-32 per 32 KiB block of the packed bytes (the last may be short)
 *   packed bytes
 *
 * It is written whole to `<id>.<start>.tmp`, fsynced, and renamed over the `.cpt`: the rename
 * is the commit, so a crash leaves the old state or the new one, never half of one (open
 * deletes a `.tmp`, and the data and checksum files of a segment that has a `.cpt`).
 */
import type { FileHandle } from "node:fs/promises";
import { crc32 } from "node:zlib";
import { CompactedUnit } from "../compacted-unit.js";
import { BLOCK_BYTES } from "./block-crc.js";
import { type FileIo, READ_WRITE_CREATE, readFully, writeFully } from "./io.js";

const MAGIC = 0x52564331; // "RVC1"
export const HEADER_BYTES = 24;

/** What a read of a compacted segment needs: its table, its blocks' CRCs, where its bytes start. */
export interface CompactedMeta {
  readonly unit: CompactedUnit;
  readonly blockCrcs: Uint32Array;
  readonly dataOffset: number;
}

/** The whole file for `unit` and its packed bytes. */
export function encodeCompacted(unit: CompactedUnit, packed: Uint8Array): Uint8Array[] {
  const blocks = Math.ceil(packed.length / BLOCK_BYTES);
  const meta = new Uint8Array((unit.table.length + blocks) * 4);
  const view = new DataView(meta.buffer);
  for (let i = 0; i < unit.table.length; i++) view.setUint32(i * 4, unit.table[i]!);
  for (let b = 0; b < blocks; b++) {
    view.setUint32((unit.table.length + b) * 4, crc32(packed.subarray(b * BLOCK_BYTES, (b + 1) * BLOCK_BYTES)));
  }
  const header = new Uint8Array(HEADER_BYTES);
  const head = new DataView(header.buffer);
  head.setUint32(0, MAGIC);
  head.setUint32(4, unit.table.length);
  head.setFloat64(8, packed.length);
  head.setUint32(16, crc32(meta));
  head.setUint32(20, crc32(header.subarray(0, 20)));
  return [header, meta, packed];
}

/** The header's span count, packed size and meta CRC; undefined when it is damaged. */
export function decodeHeader(header: Uint8Array): { spans: number; packed: number; metaCrc: number } | undefined {
  if (header.length < HEADER_BYTES) return undefined;
  const view = new DataView(header.buffer, header.byteOffset, HEADER_BYTES);
  if (view.getUint32(0) !== MAGIC || view.getUint32(20) !== crc32(header.subarray(0, 20))) return undefined;
  const packed = view.getFloat64(8);
  if (!Number.isSafeInteger(packed) || packed < 0) return undefined;
  return { spans: view.getUint32(4), packed, metaCrc: view.getUint32(16) };
}

/** Reads a compacted file's meta; undefined when its header or meta fails its checksum. */
export async function readMeta(io: FileIo, handle: FileHandle): Promise<CompactedMeta | undefined> {
  const header = decodeHeader(await readFully(io, handle, HEADER_BYTES, 0));
  if (!header) return undefined;
  const blocks = Math.ceil(header.packed / BLOCK_BYTES);
  const meta = await readFully(io, handle, (header.spans + blocks) * 4, HEADER_BYTES);
  if (crc32(meta) !== header.metaCrc) return undefined;
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  const table = new Uint32Array(header.spans);
  for (let i = 0; i < header.spans; i++) table[i] = view.getUint32(i * 4);
  const blockCrcs = new Uint32Array(blocks);
  for (let b = 0; b < blocks; b++) blockCrcs[b] = view.getUint32((header.spans + b) * 4);
  const unit = new CompactedUnit(table);
  if (unit.packedLength !== header.packed) return undefined;
  return { unit, blockCrcs, dataOffset: HEADER_BYTES + meta.length };
}

/**
 * Segment positions [from, to) of a compacted file: its packed bytes read whole blocks at a
 * time and checked against their CRCs, holes filled in. Undefined when a block fails its check.
 */
export async function readCompacted(
  io: FileIo,
  handle: FileHandle,
  meta: CompactedMeta,
  from: number,
  to: number,
): Promise<Uint8Array | undefined> {
  const { unit, blockCrcs, dataOffset } = meta;
  const span = unit.packedRange(from, to);
  if (span.end === span.start) return unit.fill(from, to, new Uint8Array(0));
  const first = Math.floor(span.start / BLOCK_BYTES);
  const last = Math.ceil(span.end / BLOCK_BYTES);
  const start = first * BLOCK_BYTES;
  const end = Math.min(unit.packedLength, last * BLOCK_BYTES);
  const bytes = await readFully(io, handle, end - start, dataOffset + start);
  for (let b = first; b < last; b++) {
    const block = bytes.subarray((b - first) * BLOCK_BYTES, (b - first + 1) * BLOCK_BYTES);
    if (crc32(block) !== blockCrcs[b]) return undefined;
  }
  return unit.fill(from, to, bytes.subarray(span.start - start, span.end - start));
}

/** Writes a compacted file durably: temp file, fsync, rename over `path`, directory fsync. */
export async function writeCompacted(
  io: FileIo,
  dir: string,
  temp: string,
  path: string,
  parts: Uint8Array[],
): Promise<void> {
  const handle = await io.open(temp, READ_WRITE_CREATE);
  try {
    await io.truncate(handle, 0);
    await writeFully(io, handle, parts, 0);
    await io.datasync(handle);
  } finally {
    await handle.close();
  }
  await io.rename(temp, path);
  await io.syncDir(dir);
}

/** Whether a compacted file is intact: header, meta and every block (fsck). */
export async function checkCompacted(io: FileIo, handle: FileHandle): Promise<boolean> {
  try {
    const meta = await readMeta(io, handle);
    if (!meta) return false;
    return (await readCompacted(io, handle, meta, 0, meta.unit.length)) !== undefined;
  } catch {
    return false;
  }
}
