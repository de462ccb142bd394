/**
 * The PostgreSQL store's pure parts, without a database: how appends become rows at unit
 * boundaries and rows become bytes again, which units retention may free, the cached totals,
 * and the per-stream order of writes.
 */
import { compactUnit } from "@rivulet/server";
import { describe, expect, test } from "vitest";
import { assemble, chunksOf, compactedOf, encodeTable, unitEnds } from "../../../src/store/postgres/chunks.js";
import { PathQueue } from "../../../src/store/postgres/path-queue.js";
import { CachedTotals } from "../../../src/store/postgres/totals.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe("chunks", () => {
  test("an append is split where units end, counted from the stream's base", () => {
    const rows = chunksOf(7, encoder.encode("abcdefghij"), 5, 4);
    // Units from base 5: [5,9) [9,13) [13,17)
    expect(rows.map((r) => [r.position, decoder.decode(r.data)])).toEqual([
      [7, "ab"],
      [9, "cdef"],
      [13, "ghij"],
    ]);
    expect(chunksOf(0, new Uint8Array(0), 0, 4)).toEqual([]);
  });

  test("rows, plain and compacted, assemble into exactly the bytes asked for; a gap is an error", () => {
    const unit = encoder.encode("k1\nremoved\nk2\n");
    const { unit: compacted, packed } = compactUnit(unit, undefined, [{ start: 3, end: 11 }]);
    const holes = encodeTable(compacted.table);
    expect(compactedOf(holes).table).toEqual(compacted.table);
    const chunks = [
      { position: 0, length: 14, data: packed, sliceFrom: 0, holes },
      { position: 14, length: 4, data: encoder.encode("tail"), sliceFrom: 14, holes: null },
    ];
    expect(decoder.decode(assemble(chunks, 0, 18))).toBe("k1\n       \nk2\ntail");
    expect(decoder.decode(assemble(chunks, 12, 16))).toBe("2\nta");
    // A plain row the query sliced: its data starts where the read does.
    const sliced = [{ position: 0, length: 10, data: encoder.encode("3456"), sliceFrom: 3, holes: null }];
    expect(decoder.decode(assemble(sliced, 3, 7))).toBe("3456");
    expect(() => assemble([chunks[1]!], 10, 16)).toThrow(/uncovered/);
  });

  test("retention's units: whole ones from the one holding earliest, none past the tail", () => {
    expect(unitEnds(0, 0, 10, 4, 10)).toEqual([4, 8]);
    expect(unitEnds(0, 5, 13, 4, 10)).toEqual([8, 12]);
    expect(unitEnds(2, 2, 14, 4, 1)).toEqual([6]);
    expect(unitEnds(0, 0, 3, 4, 10)).toEqual([]);
  });
});

describe("cached totals", () => {
  test("own changes count at once; a stale figure is refreshed; a refresh racing a change is dropped", async () => {
    let now = 0;
    let answer = { streams: 10, bytes: 100 };
    let release: () => void = () => {};
    let gate: Promise<void> | undefined;
    const totals = new CachedTotals(
      async () => {
        await gate;
        return answer;
      },
      1000,
      () => now,
    );
    await totals.refresh();
    totals.changed(1, 5);
    expect([totals.count, totals.storedBytes]).toEqual([11, 105]);
    // Stale: asking starts a refresh and answers what it has meanwhile.
    now = 2000;
    answer = { streams: 20, bytes: 200 };
    gate = new Promise((resolve) => (release = resolve));
    expect(totals.count).toBe(11);
    totals.changed(1, 0); // changed while the refresh runs: its answer may miss this
    release();
    await totals.refresh();
    expect(totals.count).toBe(12);
    gate = undefined;
    await totals.refresh();
    expect(totals.count).toBe(20);
  });
});

describe("per-stream write order", () => {
  test("writes to one stream run one at a time in submission order; a failure does not stop the next", async () => {
    const queue = new PathQueue();
    const log: string[] = [];
    const gates = new Map<string, () => void>();
    const step = (name: string) => () =>
      new Promise<string>((resolve, reject) => {
        log.push(`start ${name}`);
        gates.set(name, () => (name === "b" ? reject(new Error("b failed")) : resolve(name)));
      });
    const a = queue.run(["/s"], step("a"));
    const b = queue.run(["/s", "/t"], step("b"));
    const c = queue.run(["/t"], step("c"));
    const other = queue.run(["/u"], step("u"));
    await Promise.resolve();
    await Promise.resolve();
    expect(log).toEqual(["start a", "start u"]);
    gates.get("a")!();
    await a;
    await expect.poll(() => log.includes("start b")).toBe(true);
    expect(log).not.toContain("start c");
    gates.get("b")!();
    await expect(b).rejects.toThrow("b failed");
    await expect.poll(() => log.includes("start c")).toBe(true);
    gates.get("c")!();
    gates.get("u")!();
    expect(await c).toBe("c");
    expect(await other).toBe("u");
  });
});
