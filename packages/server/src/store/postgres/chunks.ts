/**
 * A stream's bytes as rows of `rivulet_chunks` (docs/cluster.md). Units are fixed spans
 * of `unitBytes` positions counted from the stream's base (its fork position, or 0): unit k
 * holds [base + k·unit, base + (k+1)·unit). Each append becomes one row per unit it touches, so
 * no row crosses a unit boundary and a row is at most one unit; compaction replaces a unit's
 * rows with one row of its kept bytes plus its hole table (compacted-unit.ts). Pure: rows in,
 * rows or bytes out.
 */
import { CompactedUnit } from "../compacted-unit.js";

/** A row to insert: `length` positions from `position`, stored as `data`. */
export interface ChunkRow {
  readonly position: number;
  readonly data: Uint8Array;
}

/** A row as a read gets it back: plain bytes (a slice starting at `from`), or a compacted unit. */
export interface StoredChunk {
  readonly position: number;
  readonly length: number;
  /** For a plain row: its bytes from `sliceFrom` on; for a compacted one: all its packed bytes. */
  readonly data: Uint8Array;
  /** Where `data` starts (a plain row is sliced by the query to what the read needs). */
  readonly sliceFrom: number;
  readonly holes: Uint8Array | null;
}

/** The rows of `data` appended at `position`: split where units end. */
export function chunksOf(position: number, data: Uint8Array, base: number, unitBytes: number): ChunkRow[] {
  const rows: ChunkRow[] = [];
  for (let at = 0; at < data.length; ) {
    const absolute = position + at;
    const unitEnd = base + (Math.floor((absolute - base) / unitBytes) + 1) * unitBytes;
    const take = Math.min(data.length - at, unitEnd - absolute);
    rows.push({ position: absolute, data: data.subarray(at, at + take) });
    at += take;
  }
  return rows;
}

/**
 * Bytes [start, end) from the rows that cover them (in position order). Rows must cover the
 * range without a gap; a gap means rows vanished under the read (a concurrent trim), which the
 * caller turned into StoreTrimmedError before calling this.
 */
export function assemble(chunks: readonly StoredChunk[], start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let at = start;
  for (const chunk of chunks) {
    if (chunk.position > at) break;
    const from = Math.max(at, chunk.position);
    const to = Math.min(end, chunk.position + chunk.length);
    if (to <= from) continue;
    out.set(bytesOf(chunk, from, to), from - start);
    at = to;
  }
  if (at < end) throw new Error(`Stored rows leave [${at}, ${end}) uncovered`);
  return out;
}

/** Positions [from, to) of one row. */
function bytesOf(chunk: StoredChunk, from: number, to: number): Uint8Array {
  if (chunk.holes === null) return chunk.data.subarray(from - chunk.sliceFrom, to - chunk.sliceFrom);
  const unit = compactedOf(chunk.holes);
  const relative = { from: from - chunk.position, to: to - chunk.position };
  const span = unit.packedRange(relative.from, relative.to);
  return unit.fill(relative.from, relative.to, chunk.data.subarray(span.start, span.end));
}

/** A compacted unit's hole table as stored: its uint32 entries, little-endian. */
export function encodeTable(table: Uint32Array): Uint8Array {
  const out = new Uint8Array(table.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < table.length; i++) view.setUint32(i * 4, table[i]!, true);
  return out;
}

export function compactedOf(stored: Uint8Array): CompactedUnit {
  const view = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  const table = new Uint32Array(stored.byteLength / 4);
  for (let i = 0; i < table.length; i++) table[i] = view.getUint32(i * 4, true);
  return new CompactedUnit(table);
}

/** Ends of the first `limit` whole units from the one holding `earliest`, none past `tail`. */
export function unitEnds(base: number, earliest: number, tail: number, unitBytes: number, limit: number): number[] {
  const ends: number[] = [];
  for (let k = Math.floor((earliest - base) / unitBytes); ends.length < limit; k++) {
    const end = base + (k + 1) * unitBytes;
    if (end > tail) break;
    ends.push(end);
  }
  return ends;
}
