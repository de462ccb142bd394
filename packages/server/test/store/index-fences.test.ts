/**
 * The file store's index search with fences (store/file/index-fences.ts) answers exactly what
 * the plain binary search answers, by position and by time, while segments grow and after the
 * head is dropped, with far fewer reads once the fences are built.
 */
import { describe, expect, test } from "vitest";
import { IndexFences, MIN_FENCED } from "../../src/store/file/index-fences.js";
import { IndexCounts, seekEntries } from "../../src/store/file/index-files.js";
import { layoutOf } from "../../src/store/file/segments.js";
import type { IndexEntry, IndexKey } from "../../src/store/types.js";

const SEGMENT = 1 << 20;
const layout = layoutOf(SEGMENT);

/** Entries every 1000 bytes from the start of each segment, with times that repeat in runs of 3. */
class FakeIndex {
  readonly segments: IndexEntry[][] = [];
  readonly counts = new IndexCounts();
  reads = 0;
  private seq = 0;

  fill(segment: number, count: number): void {
    this.segments[segment] ??= [];
    const entries = this.segments[segment];
    for (let i = 0; i < count; i++) {
      const position = segment * SEGMENT + entries.length * 1000;
      entries.push({ position, seq: this.seq, ts: 5000 + Math.floor(this.seq / 3) });
      this.seq += 2;
      this.counts.claim(segment);
    }
  }

  read = async (segment: number, from: number, count: number): Promise<IndexEntry[]> => {
    this.reads++;
    return this.segments[segment]!.slice(from, from + count);
  };
}

function keys(index: FakeIndex): IndexKey[] {
  const out: IndexKey[] = [];
  const all = index.segments.flat();
  for (const entry of all.filter((_, i) => i % 37 === 0 || i === all.length - 1)) {
    out.push({ position: entry.position }, { position: entry.position + 1 }, { position: entry.position - 1 });
    out.push({ ts: entry.ts }, { ts: entry.ts + 1 }, { ts: entry.ts - 1 });
  }
  out.push({ position: 0 }, { position: Number.MAX_SAFE_INTEGER }, { ts: 0 }, { ts: Number.MAX_SAFE_INTEGER });
  return out;
}

async function compare(index: FakeIndex, fences: IndexFences): Promise<{ plain: number; fenced: number }> {
  let plain = 0;
  let fenced = 0;
  for (const key of keys(index)) {
    const before = index.reads;
    const expected = await seekEntries(layout, 0, index.counts, { read: index.read }, key, 3);
    const middle = index.reads;
    const actual = await seekEntries(layout, 0, index.counts, { read: index.read, fences }, key, 3);
    plain += middle - before;
    fenced += index.reads - middle;
    expect(actual, JSON.stringify(key)).toEqual(expected);
  }
  return { plain, fenced };
}

describe("index search with fences", () => {
  test("answers what the plain search answers, by position and by time, with fewer reads", async () => {
    const index = new FakeIndex();
    index.fill(0, 1000);
    index.fill(1, 3 * MIN_FENCED + 17);
    index.fill(2, MIN_FENCED - 1); // too small for a fence: searched as before
    const fences = new IndexFences();
    await compare(index, fences); // builds the fences
    const { plain, fenced } = await compare(index, fences);
    expect(fenced).toBeLessThan(plain / 2);
  });

  test("once the fences are built, a lookup is one read: the page its answer is in", async () => {
    const index = new FakeIndex();
    index.fill(0, 4 * MIN_FENCED);
    index.fill(1, 4 * MIN_FENCED);
    const fences = new IndexFences();
    await compare(index, fences);
    const entry = index.segments[1]![300]!;
    for (const key of [{ ts: entry.ts }, { position: entry.position + 1 }]) {
      const before = index.reads;
      const found = await seekEntries(layout, 0, index.counts, { read: index.read, fences }, key, 2);
      expect(found).toHaveLength(2);
      expect(index.reads - before, JSON.stringify(key)).toBe(1);
    }
  });

  test("a long answer (a records chunk's ~260 entries) is read at once after the search", async () => {
    const index = new FakeIndex();
    index.fill(0, 4 * MIN_FENCED);
    const fences = new IndexFences();
    await compare(index, fences);
    const entry = index.segments[0]![100]!;
    const before = index.reads;
    const found = await seekEntries(layout, 0, index.counts, { read: index.read, fences }, entry, 300);
    expect(found).toEqual(index.segments[0]!.slice(100, 400));
    // The page the search ends on, then the rest in one read (in pages of 64 it took five).
    expect(index.reads - before).toBeLessThanOrEqual(2);
  });

  test("a segment that grew between lookups is extended, and lookups see only what is counted", async () => {
    const index = new FakeIndex();
    index.fill(0, MIN_FENCED + 3);
    const fences = new IndexFences();
    await compare(index, fences);
    index.fill(0, 900);
    await compare(index, fences);
    // A fence already past a lookup's count: that lookup ignores the later entries.
    const smaller = new IndexCounts(0, [MIN_FENCED + 3]);
    const last = index.segments[0]![MIN_FENCED + 2]!;
    const found = await seekEntries(layout, 0, smaller, { read: index.read, fences }, { ts: last.ts + 1000 }, 1);
    expect(found).toEqual([]);
    const floor = await seekEntries(layout, 0, smaller, { read: index.read, fences }, { position: 1e9 }, 5);
    expect(floor).toEqual([last]);
  });

  test("after the head is dropped, the fences of the dropped segments go and the rest still answer", async () => {
    const index = new FakeIndex();
    index.fill(0, 2 * MIN_FENCED);
    index.fill(1, 2 * MIN_FENCED);
    const fences = new IndexFences();
    await compare(index, fences);
    index.counts.dropBefore(1);
    fences.dropBefore(1);
    index.segments[0] = []; // its file is gone: reading it would answer nothing
    await compare(index, fences);
  });

  test("lookups racing to build one fence build it once, consistently", async () => {
    const index = new FakeIndex();
    index.fill(0, 10_000);
    const fences = new IndexFences();
    const all = index.segments[0]!;
    const answers = await Promise.all(
      all
        .filter((_, i) => i % 500 === 0)
        .map((entry) => seekEntries(layout, 0, index.counts, { read: index.read, fences }, { ts: entry.ts }, 1)),
    );
    expect(answers.map(([entry]) => entry!.ts)).toEqual(all.filter((_, i) => i % 500 === 0).map((e) => e.ts));
    await compare(index, fences);
  });
});
