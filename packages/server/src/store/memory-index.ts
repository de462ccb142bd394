/**
 * An append index held in memory (append-index.ts decides its entries): position, seq and time
 * of each entry in one growable Float64Array, searched by binary search, its head dropped as
 * the stream is trimmed. Used by the memory store.
 */
import type { IndexEntry, IndexKey } from "./types.js";

const FIELDS = 3;

export class MemoryIndex {
  private values = new Float64Array(0);
  /** Entries [first, count) are live; those below `first` were trimmed away. */
  private first = 0;
  private count = 0;

  add(entries: readonly IndexEntry[]): void {
    for (const entry of entries) {
      if ((this.count + 1) * FIELDS > this.values.length) this.grow();
      const at = this.count * FIELDS;
      this.values[at] = entry.position;
      this.values[at + 1] = entry.seq;
      this.values[at + 2] = entry.ts;
      this.count++;
    }
  }

  seek(key: IndexKey, limit: number): IndexEntry[] {
    const from =
      "position" in key ? Math.max(this.first, this.lastAtOrBefore(key.position)) : this.firstAtOrAfter(key.ts);
    const out: IndexEntry[] = [];
    for (let i = from; i < this.count && out.length < limit; i++) out.push(this.entry(i));
    return out;
  }

  /** Drops the entries below `position` (the stream's new earliest). */
  trim(position: number): void {
    while (this.first < this.count && this.values[this.first * FIELDS]! < position) this.first++;
    // Compact once the dropped head outweighs what is left.
    if (this.first > 1024 && this.first * 2 > this.count) {
      this.values = this.values.slice(this.first * FIELDS, Math.max(this.count * FIELDS, (this.first + 1) * FIELDS));
      this.count -= this.first;
      this.first = 0;
    }
  }

  private entry(i: number): IndexEntry {
    const at = i * FIELDS;
    return { position: this.values[at]!, seq: this.values[at + 1]!, ts: this.values[at + 2]! };
  }

  /** Index of the last live entry at or before `position`, or `first` - 1 when there is none. */
  private lastAtOrBefore(position: number): number {
    let low = this.first;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.values[mid * FIELDS]! <= position) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }

  /** Index of the first live entry whose time is at or after `ts` (`count` when there is none). */
  private firstAtOrAfter(ts: number): number {
    let low = this.first;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.values[mid * FIELDS + 2]! < ts) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private grow(): void {
    const grown = new Float64Array(Math.max(FIELDS * 16, this.values.length * 2));
    grown.set(this.values);
    this.values = grown;
  }
}
