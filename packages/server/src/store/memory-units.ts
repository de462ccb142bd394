/**
 * A memory stream's bytes in fixed-size units, so retention returns memory in whole units
 * like the file store returns disk in whole segments. Unit k holds positions [k·size,
 * (k+1)·size) counted from the stream's base; the last unit grows as bytes arrive.
 */

const NO_BYTES = new Uint8Array(0);

export class MemoryUnits {
  private readonly units: Array<Uint8Array | undefined> = [];
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
      const unit = this.units[index];
      if (!unit) throw new RangeError(`Unit ${index} was freed`);
      out.set(unit.subarray(offset, offset + take), at - start);
      at += take;
    }
    return out;
  }

  /** Frees every unit that ends at or before `position`. */
  freeBelow(position: number): void {
    for (let index = Math.floor(position / this.size) - 1; index >= 0 && this.units[index]; index--) {
      this.units[index] = undefined;
    }
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
