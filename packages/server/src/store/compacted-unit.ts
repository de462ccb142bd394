/**
 * A storage unit that compaction rewrote (docs/kafka-layer.md, "Compaction"), as every store
 * keeps it: the unit's bytes as spans in order, each either kept — its bytes are in the unit's
 * packed data — or a hole, one removed message, which reads back as spaces ending in a newline
 * (json.ts `writeHole`). Positions never move: a unit reads back as long as it always was, so
 * offsets, message boundaries, the append index and seqs stay exactly what they were, and only
 * the kept bytes take room. Pure: the stores keep the table and the packed bytes.
 *
 * Table entry i: `length << 1 | hole`, so a span is at most 2^31 - 1 bytes (longer kept runs
 * are split); positions are relative to the unit's start.
 */
export interface Span {
  readonly start: number;
  readonly end: number;
}

const MAX_SPAN = 0x7fffffff;
const NEWLINE = 0x0a;
const SPACE = 0x20;

export class CompactedUnit {
  /** Total bytes the unit covers (holes included). */
  readonly length: number;
  /** Bytes of its packed data: the kept spans, back to back. */
  readonly packedLength: number;
  /** Where each span starts, and where its kept bytes start in the packed data. */
  private readonly starts: Float64Array;
  private readonly packedStarts: Float64Array;

  constructor(readonly table: Uint32Array) {
    this.starts = new Float64Array(table.length + 1);
    this.packedStarts = new Float64Array(table.length + 1);
    let position = 0;
    let packed = 0;
    for (let i = 0; i < table.length; i++) {
      this.starts[i] = position;
      this.packedStarts[i] = packed;
      const length = table[i]! >>> 1;
      position += length;
      if ((table[i]! & 1) === 0) packed += length;
    }
    this.starts[table.length] = position;
    this.packedStarts[table.length] = packed;
    this.length = position;
    this.packedLength = packed;
  }

  /** Bytes holes take that the unit no longer stores. */
  get freed(): number {
    return this.length - this.packedLength;
  }

  /** The holes, each one removed message. */
  holes(): Span[] {
    const out: Span[] = [];
    for (let i = 0; i < this.table.length; i++) {
      if ((this.table[i]! & 1) === 1) out.push({ start: this.starts[i]!, end: this.starts[i + 1]! });
    }
    return out;
  }

  /** The packed bytes [start, end) that hold the kept bytes of unit positions [from, to). */
  packedRange(from: number, to: number): Span {
    return { start: this.packedAt(from), end: this.packedAt(to) };
  }

  /**
   * Unit positions [from, to): kept bytes from `packed` (the packed bytes packedRange gave, and
   * only those), holes as holes.
   */
  fill(from: number, to: number, packed: Uint8Array): Uint8Array {
    const out = new Uint8Array(to - from);
    const base = this.packedAt(from);
    for (let i = this.spanAt(from); i < this.table.length && this.starts[i]! < to; i++) {
      const start = Math.max(from, this.starts[i]!);
      const end = Math.min(to, this.starts[i + 1]!);
      if ((this.table[i]! & 1) === 1) {
        // A read that starts or ends inside a hole gets that part of it: spaces, then its newline.
        out.fill(SPACE, start - from, end - from);
        if (end === this.starts[i + 1]!) out[end - from - 1] = NEWLINE;
        continue;
      }
      const at = this.packedStarts[i]! + (start - this.starts[i]!) - base;
      out.set(packed.subarray(at, at + end - start), start - from);
    }
    return out;
  }

  /** Index of the span holding position `position` (the last one for the unit's end). */
  private spanAt(position: number): number {
    let low = 0;
    let high = this.table.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.starts[mid]! <= position) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Packed offset of the kept bytes at or after unit position `position`. */
  private packedAt(position: number): number {
    if (position >= this.length) return this.packedLength;
    const i = this.spanAt(position);
    const into = (this.table[i]! & 1) === 1 ? 0 : position - this.starts[i]!;
    return this.packedStarts[i]! + into;
  }
}

/**
 * Compacts a unit of `length` bytes: `current` is what it reads as now (holes included),
 * `previous` its table if it was compacted before, `removed` more whole messages to remove
 * (unit-relative, in order; each ends in a newline). Earlier holes stay holes. Returns the new
 * table and the packed bytes to keep.
 */
export function compactUnit(
  current: Uint8Array,
  previous: CompactedUnit | undefined,
  removed: readonly Span[],
): { unit: CompactedUnit; packed: Uint8Array } {
  const holes = mergeHoles(previous?.holes() ?? [], removed, current);
  const entries: number[] = [];
  const kept: Span[] = [];
  let at = 0;
  const keep = (end: number) => {
    if (end > at) kept.push({ start: at, end });
    for (; at < end; ) {
      const length = Math.min(MAX_SPAN, end - at);
      entries.push(length * 2);
      at += length;
    }
  };
  for (const hole of holes) {
    keep(hole.start);
    entries.push((hole.end - hole.start) * 2 + 1);
    at = hole.end;
  }
  keep(current.length);
  const packed = new Uint8Array(kept.reduce((n, span) => n + span.end - span.start, 0));
  let written = 0;
  for (const span of kept) {
    packed.set(current.subarray(span.start, span.end), written);
    written += span.end - span.start;
  }
  return { unit: new CompactedUnit(Uint32Array.from(entries)), packed };
}

/** Old and new holes in order; a new one may repeat an old one, never overlap it. */
function mergeHoles(old: readonly Span[], removed: readonly Span[], current: Uint8Array): Span[] {
  const all = [...old, ...removed].sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const span of all) {
    if (span.start < 0 || span.end > current.length || span.end - span.start < 2) {
      throw new RangeError(`Removed span [${span.start}, ${span.end}) is not a message inside the unit`);
    }
    if (current[span.end - 1] !== NEWLINE) {
      throw new RangeError(`Removed span [${span.start}, ${span.end}) does not end a message`);
    }
    const last = out.at(-1);
    if (last && last.start === span.start && last.end === span.end) continue;
    if (last && span.start < last.end) {
      throw new RangeError(`Removed spans [${last.start}, ${last.end}) and [${span.start}, ${span.end}) overlap`);
    }
    out.push(span);
  }
  return out;
}
