/**
 * A sparse copy in memory of a stream's append index (docs/storage.md, "Append index"): every
 * FENCE_EVERY-th entry of each segment searched so far, and each segment's last entry. A lookup
 * then binary searches the fences in memory and reads one page of at most FENCE_EVERY entries,
 * instead of one small read per step of the search: fewer reads, and fewer chances to wait
 * behind other work, which is what a lookup's slowest answers are made of. The page is small
 * too (4 KiB): every entry read is checked against its checksum.
 *
 * Built lazily per segment from what its file holds (entries below a segment's count never
 * change), and extended by what was appended since the last lookup. Segments of fewer than
 * MIN_FENCED entries get none: their search is a few reads anyway, and a million small streams
 * must not each hold a copy. A 1 GB stream of 4 KiB-spaced entries holds about 50 KB of them.
 */
import type { IndexEntry } from "../types.js";

export const FENCE_EVERY = 128;
export const MIN_FENCED = 2 * FENCE_EVERY;
/** Entries read at a time while building a fence. */
const BUILD_PAGE = 4096;

/** Reads `count` entries from slot `from` of a segment's index file; rejects on a damaged one. */
export type ReadEntries = (segment: number, from: number, count: number) => Promise<IndexEntry[]>;

export interface SegmentFence {
  /** Slots 0, FENCE_EVERY, 2 × FENCE_EVERY, … as position, seq, ts triples. */
  samples: Float64Array;
  /** Samples held. */
  size: number;
  /** Slots read so far. */
  covered: number;
  last: IndexEntry | undefined;
}

/** Whether any segment is large enough for a fence (a stream that has none needs no IndexFences). */
export function needsFences(counts: { readonly counts: readonly number[] }): boolean {
  return counts.counts.some((count) => count >= MIN_FENCED);
}

export class IndexFences {
  private readonly bySegment = new Map<number, SegmentFence>();
  /** Last entries of segments without a fence, with the count they were read at. */
  private readonly lasts = new Map<number, { count: number; entry: IndexEntry }>();

  /** The fence of `segment` over its first `count` entries; undefined for a small segment. */
  async fence(segment: number, count: number, read: ReadEntries): Promise<SegmentFence | undefined> {
    if (count < MIN_FENCED) return undefined;
    let fence = this.bySegment.get(segment);
    if (!fence) {
      fence = { samples: new Float64Array(3 * Math.ceil(count / FENCE_EVERY)), size: 0, covered: 0, last: undefined };
      this.bySegment.set(segment, fence);
      this.lasts.delete(segment);
    }
    while (fence.covered < count) {
      const from = fence.covered;
      const page = await read(segment, from, Math.min(BUILD_PAGE, count - from));
      // Another lookup extended it meanwhile: keep what it read.
      if (fence.covered !== from) continue;
      for (let i = 0; i < page.length; i++) {
        if ((from + i) % FENCE_EVERY === 0) push(fence, page[i]!);
      }
      fence.covered = from + page.length;
      fence.last = page.at(-1);
    }
    return fence;
  }

  /** The last of a segment's first `count` entries. */
  async last(segment: number, count: number, read: ReadEntries): Promise<IndexEntry> {
    const fence = this.bySegment.get(segment);
    if (fence?.covered === count && fence.last) return fence.last;
    const known = this.lasts.get(segment);
    if (known?.count === count) return known.entry;
    const [entry] = await read(segment, count - 1, 1);
    this.lasts.set(segment, { count, entry: entry! });
    return entry!;
  }

  /** Forgets segments before `segment` (trimmed away). */
  dropBefore(segment: number): void {
    for (const key of this.bySegment.keys()) if (key < segment) this.bySegment.delete(key);
    for (const key of this.lasts.keys()) if (key < segment) this.lasts.delete(key);
  }
}

function push(fence: SegmentFence, entry: IndexEntry): void {
  if (3 * (fence.size + 1) > fence.samples.length) {
    const grown = new Float64Array(Math.max(6 * fence.size, 48));
    grown.set(fence.samples.subarray(0, 3 * fence.size));
    fence.samples = grown;
  }
  fence.samples.set([entry.position, entry.seq, entry.ts], 3 * fence.size);
  fence.size++;
}

/** Sample `i` of a fence as an entry. */
export function sampleAt(fence: SegmentFence, i: number): IndexEntry {
  return { position: fence.samples[3 * i]!, seq: fence.samples[3 * i + 1]!, ts: fence.samples[3 * i + 2]! };
}
