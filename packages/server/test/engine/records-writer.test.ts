/** The records-view body writer: whole JSON arrays, whatever it was told to expect. */
import { formatOffset, recordsDataLines } from "@rivulet/protocol";
import { describe, expect, test } from "vitest";
import { RecordsWriter } from "../../src/engine/records-writer.js";

const stored = Buffer.from('{"n":1},\n"two",\n[3],\n');

describe("RecordsWriter", () => {
  test("values copied from stored bytes and given as text make one array, one record per line", () => {
    const writer = new RecordsWriter(0);
    writer.addBytes({ start: 10, end: 19, seq: 4, ts: 7 }, stored, 0, 7);
    writer.addBytes({ start: 19, end: 27, seq: 5, ts: 7 }, stored, 9, 14);
    writer.addText({ start: 27, end: 32, seq: 6, ts: 8 }, '"héllo"');
    expect(writer.count).toBe(3);
    const body = writer.finish();
    const records = JSON.parse(body.toString("utf8"));
    expect(records.map((r: { value: unknown }) => r.value)).toEqual([{ n: 1 }, "two", "héllo"]);
    expect(records.map((r: { seq: number }) => r.seq)).toEqual([4, 5, 6]);
    expect(records[1]).toMatchObject({ offset: formatOffset(19), next_offset: formatOffset(27), ts: 7 });
    expect(recordsDataLines(body.toString("utf8"))).toHaveLength(5);
  });

  test("it grows past what it expected, keeping what it wrote", () => {
    const writer = new RecordsWriter(10);
    const big = Buffer.from(`"${"x".repeat(5000)}",\n`);
    for (let i = 0; i < 200; i++) writer.addBytes({ start: i, end: i + 1, seq: i, ts: i }, big, 0, big.length - 2);
    const records = JSON.parse(writer.finish().toString("utf8"));
    expect(records).toHaveLength(200);
    expect(
      records.every((r: { value: string; seq: number }, i: number) => r.value.length === 5000 && r.seq === i),
    ).toBe(true);
  });

  test("values taken from a staged copy of the stored bytes make the same body as copied ones", () => {
    // Tiny values (heads much larger than them) next to large ones, and messages left out as
    // holes are: whatever the mix, a record written never overwrites a value not yet taken.
    const values = Array.from({ length: 3_000 }, (_, i) =>
      i % 7 === 0 ? `"${"v".repeat((i * 37) % 5_000)}"` : String(i % 10),
    );
    const stored = Buffer.from(values.map((v) => `${v},\n`).join(""));
    const staged = RecordsWriter.staged(stored, values.length);
    const copied = new RecordsWriter(0);
    const kept: unknown[] = [];
    let at = 0;
    values.forEach((value, i) => {
      const end = at + value.length + 2;
      if (i % 11 !== 5) {
        const record = { start: 1_000 + at, end: 1_000 + end, seq: i, ts: 5 + (i >> 4) };
        staged.addStaged(record, at, at + value.length);
        copied.addBytes(record, stored, at, at + value.length);
        kept.push(JSON.parse(value));
      }
      at = end;
    });
    const body = staged.finish();
    expect(body.equals(copied.finish())).toBe(true);
    expect(JSON.parse(body.toString("utf8")).map((r: { value: unknown }) => r.value)).toEqual(kept);
    staged.release();
    copied.release();
  });

  test("no records: an empty array", () => {
    expect(JSON.parse(new RecordsWriter(100).finish().toString())).toEqual([]);
  });
});
