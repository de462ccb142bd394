/**
 * A memory stream's bytes in fixed-size units, so retention returns memory in whole units
 * like the file store returns disk in whole segments. Unit k holds positions [k·size,
 * (k+1)·size) counted from the stream's base; the last unit grows as bytes arrive. A unit
 * compaction rewrote keeps only its kept bytes (compacted-unit.ts).
 */
import { type CompactedUnit, compactUnit, type Span } from "./compacted-unit.js";

const NO_BYTES = new Uint8Array(0);

export class MemoryUnits {
  private readonly units: Array<Uint8Array | undefined> = [];
  private readonly compacted = new Map<number, { unit: CompactedUnit; packed: Uint8Array }>();
  /** Bytes written so far, counted from the base. */
  private length = 0;

  constructor(readonly size: number) {}

  write(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      const index = Math.floor(this.length / this.size);
      const offset = this.length - index * this.size;
      const take = Math.min(data.length - at, this.size - offset);
      const unit = this.room(index, offset + take);
      unit.set(data.subarray(at, at + take), offset);
      at += take;
      this.length += take;
    }
  }

  /** A copy of [start, end) (a later write may reallocate a unit). */
  read(start: number, end: number): Uint8Array {
    const out = new Uint8Array(end - start);
    for (let at = start; at < end; ) {
      const index = Math.floor(at / this.size);
      const offset = at - index * this.size;
      const take = Math.min(end - at, this.size - offset);
      out.set(this.readUnit(index, offset, offset + take), at - start);
      at += take;
    }
    return out;
  }

  /** Frees every unit that ends at or before `position`. */
  freeBelow(position: number): void {
    for (let index = Math.floor(position / this.size) - 1; index >= 0 && this.holds(index); index--) {
      this.units[index] = undefined;
      this.compacted.delete(index);
    }
  }

  /**
   * Rewrites whole unit `index` without `removed` (unit-relative messages); returns the bytes
   * freed. A unit already freed is left alone.
   */
  compact(index: number, removed: readonly Span[]): number {
    if (!this.holds(index)) return 0;
    const before = this.compacted.get(index);
    const current = this.read(index * this.size, (index + 1) * this.size);
    const { unit, packed } = compactUnit(current, before?.unit, removed);
    this.compacted.set(index, { unit, packed });
    this.units[index] = undefined;
    return (before?.packed.length ?? this.size) - packed.length;
  }

  /** Bytes compaction freed in the units still held. */
  get freed(): number {
    let freed = 0;
    for (const { unit } of this.compacted.values()) freed += unit.freed;
    return freed;
  }

  private holds(index: number): boolean {
    return this.units[index] !== undefined || this.compacted.has(index);
  }

  /** Bytes [from, to) of unit `index`. */
  private readUnit(index: number, from: number, to: number): Uint8Array {
    const compacted = this.compacted.get(index);
    if (compacted) {
      const span = compacted.unit.packedRange(from, to);
      return compacted.unit.fill(from, to, compacted.packed.subarray(span.start, span.end));
    }
    const unit = this.units[index];
    if (!unit) throw new RangeError(`Unit ${index} was freed`);
    return unit.subarray(from, to);
  }

  /** The unit at `index`, grown to hold at least `needed` bytes. */
  private room(index: number, needed: number): Uint8Array {
    const unit = this.units[index] ?? NO_BYTES;
    if (unit.length >= needed) return unit;
    const grown = new Uint8Array(Math.min(this.size, Math.max(needed, unit.length * 2, 256)));
    grown.set(unit);
    this.units[index] = grown;
    return grown;
  }
}
