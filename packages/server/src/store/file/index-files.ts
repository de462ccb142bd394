/**
 * The file store's append index (store/append-index.ts decides the entries): one file per
 * segment, `<id>.idx` / `<id>.<start>.idx`, holding the entries whose position is in that
 * segment, in order, 32 bytes each:
 *
 *   f64 position | f64 seq | f64 ts | u32 CRC-32 of those 24 bytes, seeded with the entry's
 *   number in its file | u32 zero
 *
 * Fixed-size entries are found by binary search with a few small positional reads, so a
 * lookup never scans a stream and never holds its index in memory: only the number of entries
 * in each segment is kept (IndexCounts, in the catalog and the checkpoint). Entries are written
 * with the data, before the log (like data files, they are rewritten from the log at
 * recovery), and fsynced at checkpoints; bytes past a segment's count are never read.
 */
import { crc32 } from "node:zlib";
import type { IndexEntry, IndexKey } from "../types.js";
import { FENCE_EVERY, type IndexFences, type ReadEntries, sampleAt } from "./index-fences.js";
import type { SegmentLayout } from "./segments.js";
import { segmentOf } from "./segments.js";

export const INDEX_ENTRY_BYTES = 32;

/**
 * Entries are encoded into slices of a shared slab rather than a buffer each: an append places
 * one or more, and a fresh ArrayBuffer and DataView per entry cost more than the encoding. A
 * slab is never written again once handed out, and is freed when its last entry is.
 */
const SLAB_ENTRIES = 512;
let slab = new Uint8Array(0);
let slabView = new DataView(slab.buffer);
let slabUsed = 0;

export function encodeIndexEntry(entry: IndexEntry, slot: number): Uint8Array {
  if (slabUsed === slab.length) {
    slab = new Uint8Array(SLAB_ENTRIES * INDEX_ENTRY_BYTES);
    slabView = new DataView(slab.buffer);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += INDEX_ENTRY_BYTES;
  slabView.setFloat64(at, entry.position);
  slabView.setFloat64(at + 8, entry.seq);
  slabView.setFloat64(at + 16, entry.ts);
  slabView.setUint32(at + 24, crc32(slab.subarray(at, at + 24), slot >>> 0));
  return slab.subarray(at, at + INDEX_ENTRY_BYTES);
}

/** The entry at `at` in `bytes`, numbered `slot` in its file; undefined when it fails its checksum. */
export function decodeIndexEntry(bytes: Uint8Array, at: number, slot: number): IndexEntry | undefined {
  if (at + INDEX_ENTRY_BYTES > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, INDEX_ENTRY_BYTES);
  if (view.getUint32(24) !== crc32(bytes.subarray(at, at + 24), slot >>> 0)) return undefined;
  return { position: view.getFloat64(0), seq: view.getFloat64(8), ts: view.getFloat64(16) };
}

/** The counts of a stream with no entries yet, shared by all of them until their first entry. */
const NO_COUNTS: number[] = [];

/**
 * How many entries each segment's index file holds, from the first segment still kept. Small:
 * one number per segment (a 1 GB stream has 16 with 64 MiB segments).
 */
export class IndexCounts {
  /**
   * The counts of every stream with no index entries yet, until its first (catalog.ts).
   * Frozen: a change made without taking its own counts first throws instead of counting
   * for every idle stream.
   */
  static readonly none = Object.freeze(new IndexCounts()) as IndexCounts;

  constructor(
    /** The first segment still kept (those before it were trimmed away). */
    public first = 0,
    public counts: number[] = NO_COUNTS,
  ) {}

  of(segment: number): number {
    return this.counts[segment - this.first] ?? 0;
  }

  /** The last segment that has or had entries (`first` - 1 when there are none). */
  get last(): number {
    return this.first + this.counts.length - 1;
  }

  /** The slot the next entry in `segment` takes, counting it. */
  claim(segment: number): number {
    this.own();
    while (this.last < segment) this.counts.push(0);
    const index = segment - this.first;
    return this.counts[index]!++;
  }

  /** Keeps only the entries before `slot` of `segment` (and none after that segment). */
  cutAt(segment: number, slot: number): void {
    this.own();
    while (this.last < segment) this.counts.push(0);
    this.counts.length = segment - this.first + 1;
    this.counts[segment - this.first] = slot;
  }

  /** Forgets segments before `segment` (trimmed away). */
  dropBefore(segment: number): void {
    if (segment <= this.first) return;
    this.counts = this.counts.slice(Math.min(segment - this.first, this.counts.length));
    this.first = segment;
  }

  /** Gives this stream its own array before the first change (an idle stream shares the empty one). */
  private own(): void {
    if (this.counts === NO_COUNTS) this.counts = [];
  }

  copy(): IndexCounts {
    return new IndexCounts(this.first, [...this.counts]);
  }

  toJson(): [number, number[]] {
    return [this.first, this.counts];
  }

  static fromJson(json: unknown): IndexCounts | undefined {
    if (!Array.isArray(json) || typeof json[0] !== "number" || !Array.isArray(json[1])) return undefined;
    if (!json[1].every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
    if (json[1].length === 0) return json[0] === 0 ? IndexCounts.none : new IndexCounts(json[0]);
    return new IndexCounts(json[0], [...(json[1] as number[])]);
  }
}

/** Where a new entry goes: its segment, its slot there, and its bytes. */
export interface PlacedEntry {
  readonly segment: number;
  readonly slot: number;
  readonly bytes: Uint8Array;
}

/** Places entries in their segments' files, counting them in `counts`. */
export function placeEntries(
  layout: SegmentLayout,
  base: number,
  counts: IndexCounts,
  entries: readonly IndexEntry[],
): PlacedEntry[] {
  return entries.map((entry) => {
    const segment = segmentOf(layout, entry.position - base);
    const slot = counts.claim(segment);
    return { segment, slot, bytes: encodeIndexEntry(entry, slot) };
  });
}

/** Where a search reads entries from: the segment files, and the store's fences when it keeps them. */
export interface IndexSource {
  readonly read: ReadEntries;
  /** Absent offline (fsck), where every step is a read. */
  readonly fences?: IndexFences;
}

/** Entries read per step once a binary search has narrowed to this many. */
const PAGE = 64;
/**
 * Most entries one read answers once the search has found where to start (32 KiB). A records
 * read asks for a 1 MiB chunk's ~260 entries at once; read 64 at a time, they took five
 * thread-pool round trips one after another, ~2 ms a request on this machine (profiles/s10.md).
 */
const READ_PAGE = 1024;

/** The index lookups of Store.seek over segment files, by binary search. */
export async function seekEntries(
  layout: SegmentLayout,
  base: number,
  counts: IndexCounts,
  source: IndexSource,
  key: IndexKey,
  limit: number,
): Promise<IndexEntry[]> {
  const { read, readSome } = rememberLastPage(source.read);
  const memo: IndexSource = source.fences ? { read, fences: source.fences } : { read };
  const start =
    "position" in key ? await floorSlot(layout, base, counts, memo, key.position) : await tsSlot(counts, memo, key.ts);
  if (!start) return [];
  const out: IndexEntry[] = [];
  for (let { segment, slot } = start; segment <= counts.last && out.length < limit; segment++, slot = 0) {
    const count = counts.of(segment);
    while (slot < count && out.length < limit) {
      const page = await readSome(segment, slot, Math.min(READ_PAGE, count - slot, limit - out.length));
      out.push(...page);
      slot += page.length;
    }
  }
  return out;
}

/**
 * A reader that remembers the last page it read: a search ends by reading the page its answer
 * is in, and the answer's first entries then come from there (`readSome`, which may answer
 * fewer entries than asked) instead of from another read. Reads of the search itself (`read`)
 * are answered from it only when it holds all they ask for.
 */
function rememberLastPage(read: ReadEntries): { read: ReadEntries; readSome: ReadEntries } {
  let last: { segment: number; from: number; entries: IndexEntry[] } | undefined;
  const held = (segment: number, from: number) => (last && last.segment === segment ? from - last.from : -1);
  const fresh: ReadEntries = async (segment, from, count) => {
    const entries = await read(segment, from, count);
    last = { segment, from, entries };
    return entries;
  };
  return {
    read: (segment, from, count) => {
      const at = held(segment, from);
      if (at >= 0 && at + count <= last!.entries.length) return Promise.resolve(last!.entries.slice(at, at + count));
      return fresh(segment, from, count);
    },
    readSome: (segment, from, count) => {
      const at = held(segment, from);
      if (at >= 0 && at < last!.entries.length) return Promise.resolve(last!.entries.slice(at, at + count));
      return fresh(segment, from, count);
    },
  };
}

export interface Slot {
  readonly segment: number;
  readonly slot: number;
}

/** The last entry at or before `position`; else the first entry there is. */
async function floorSlot(
  layout: SegmentLayout,
  base: number,
  counts: IndexCounts,
  source: IndexSource,
  position: number,
): Promise<Slot | undefined> {
  return (await lastAtOrBefore(layout, base, counts, source, position)) ?? firstSlot(counts);
}

/** Where the last entry at or before `position` is; undefined when there is none. */
export async function lastAtOrBefore(
  layout: SegmentLayout,
  base: number,
  counts: IndexCounts,
  source: IndexSource,
  position: number,
): Promise<Slot | undefined> {
  const top = Math.min(counts.last, segmentOf(layout, Math.max(0, position - base)));
  for (let segment = top; segment >= counts.first; segment--) {
    const count = counts.of(segment);
    if (count === 0) continue;
    const found = await lastSlotAtOrBefore(source, segment, count, (e) => e.position <= position);
    if (found !== undefined) return { segment, slot: found };
  }
  return undefined;
}

/** The first entry whose time is at or after `ts`. */
async function tsSlot(counts: IndexCounts, source: IndexSource, ts: number): Promise<Slot | undefined> {
  // Segments by their last entry's time, then the entries of the one found.
  const segments = nonEmpty(counts);
  let low = 0;
  let high = segments.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const segment = segments[mid]!;
    const last = await lastEntry(source, segment, counts.of(segment));
    if (last.ts < ts) low = mid + 1;
    else high = mid;
  }
  if (low === segments.length) return undefined;
  const segment = segments[low]!;
  const before = await lastSlotAtOrBefore(source, segment, counts.of(segment), (e) => e.ts < ts);
  return { segment, slot: before === undefined ? 0 : before + 1 };
}

async function lastEntry(source: IndexSource, segment: number, count: number): Promise<IndexEntry> {
  if (source.fences) return source.fences.last(segment, count, source.read);
  const [last] = await source.read(segment, count - 1, 1);
  return last!;
}

/**
 * The last slot of a segment whose entry satisfies `below` (which holds for a prefix of the
 * entries). With a fence, the search narrows to one page in memory and reads it; without,
 * every step is a read.
 */
async function lastSlotAtOrBefore(
  source: IndexSource,
  segment: number,
  count: number,
  below: (entry: IndexEntry) => boolean,
): Promise<number | undefined> {
  let low = 0;
  let high = count;
  const fence = await source.fences?.fence(segment, count, source.read);
  if (fence) {
    // Samples of slots below `count` only: a fence may already cover later appends.
    let first = 0;
    let past = Math.min(fence.size, Math.ceil(count / FENCE_EVERY));
    while (first < past) {
      const mid = (first + past) >>> 1;
      if (below(sampleAt(fence, mid))) first = mid + 1;
      else past = mid;
    }
    if (first === 0) return undefined;
    low = (first - 1) * FENCE_EVERY;
    high = Math.min(count, first * FENCE_EVERY);
  }
  const pageSize = fence ? FENCE_EVERY : PAGE;
  while (high - low > pageSize) {
    const mid = (low + high) >>> 1;
    const [entry] = await source.read(segment, mid, 1);
    if (below(entry!)) low = mid + 1;
    else high = mid;
  }
  const page = await source.read(segment, low, high - low);
  let found = low - 1;
  for (const entry of page) {
    if (!below(entry)) break;
    found++;
  }
  return found >= 0 ? found : undefined;
}

function nonEmpty(counts: IndexCounts): number[] {
  const out: number[] = [];
  for (let segment = counts.first; segment <= counts.last; segment++) if (counts.of(segment) > 0) out.push(segment);
  return out;
}

function firstSlot(counts: IndexCounts): Slot | undefined {
  const [segment] = nonEmpty(counts);
  return segment === undefined ? undefined : { segment, slot: 0 };
}
