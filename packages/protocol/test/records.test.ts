import {
  formatOffset,
  MAX_POSITION,
  NO_RECORDS,
  RECORD_END,
  RECORD_HEAD_BYTES,
  RECORDS_CLOSE,
  RECORDS_FIRST,
  RECORDS_NEXT,
  RECORDS_OPEN,
  RecordHeadWriter,
  type RecordPosition,
  recordsDataLines,
  writeDecimal,
  writePositionDigits,
} from "@rivulet/protocol";
import { describe, expect, test } from "vitest";

const decoder = new TextDecoder();

function head(record: RecordPosition, writer = new RecordHeadWriter()): string {
  const target = new Uint8Array(RECORD_HEAD_BYTES + 10).fill(0x21);
  const end = writer.write(target, 5, record);
  expect(end - 5).toBeLessThanOrEqual(RECORD_HEAD_BYTES);
  expect(target[4]).toBe(0x21); // nothing before where it was asked to write
  return decoder.decode(target.subarray(5, end));
}

describe("records view encoding", () => {
  const first = `${head({ start: 0, end: 9, seq: 0, ts: 1700 })}{"a":1}${RECORD_END}`;
  const second = `${head({ start: 9, end: 15, seq: 1, ts: 1701 })}"text"${RECORD_END}`;
  const array = `${RECORDS_OPEN}${RECORDS_FIRST}${first}${RECORDS_NEXT}${second}${RECORDS_CLOSE}`;

  test("a record is offset, next_offset, seq, ts and the value, as JSON", () => {
    expect(JSON.parse(first)).toEqual({
      offset: formatOffset(0),
      next_offset: formatOffset(9),
      seq: 0,
      ts: 1700,
      value: { a: 1 },
    });
    const largest = { start: MAX_POSITION - 1, end: MAX_POSITION, seq: MAX_POSITION, ts: MAX_POSITION };
    expect(JSON.parse(`${head(largest)}null}`)).toEqual({
      offset: formatOffset(MAX_POSITION - 1),
      next_offset: formatOffset(MAX_POSITION),
      seq: MAX_POSITION,
      ts: MAX_POSITION,
      value: null,
    });
  });

  test("positions and numbers written as bytes read as formatOffset and String write them", () => {
    for (const n of [0, 7, 10, 99, 100, 99_999_999, 100_000_000, 123_456_789, 1_796_056_041_570, MAX_POSITION]) {
      const target = new Uint8Array(40);
      writePositionDigits(target, 2, n);
      expect(decoder.decode(target.subarray(2, 18))).toBe(formatOffset(n).split("_")[1]);
      expect(decoder.decode(target.subarray(3, writeDecimal(target, 3, n)))).toBe(String(n));
    }
  });

  test("one writer's heads, record after record, match heads written from scratch", () => {
    // Consecutive records (offsets carried over, seqs counting up, times repeated) and jumps
    // (a hole's gap, a seq or time going back, a step past what is added digit by digit).
    const records: RecordPosition[] = [];
    let start = 99_999_990;
    let seq = 8;
    let ts = 1_699_999_999_999;
    for (let i = 0; i < 400; i++) {
      const length = [1, 7, 201, 9_999, 1e9 + 3][i % 5]!;
      records.push({ start, end: start + length, seq, ts });
      start += length + (i % 37 === 0 ? 13 : 0);
      seq += i % 53 === 0 ? 5 : 1;
      if (i % 3 === 0) ts++;
      if (i === 200) seq = 97;
    }
    records.push({ start: MAX_POSITION - 1, end: MAX_POSITION, seq: 9, ts: 10 });
    records.push({ start: 0, end: 1, seq: 0, ts: 10 });
    const writer = new RecordHeadWriter();
    for (const record of records) {
      const fresh = JSON.parse(`${head(record)}0}`);
      expect(JSON.parse(`${head(record, writer)}0}`)).toEqual(fresh);
      expect(fresh).toEqual({
        offset: formatOffset(record.start),
        next_offset: formatOffset(record.end),
        seq: record.seq,
        ts: record.ts,
        value: 0,
      });
    }
  });

  test("a response is their array, one record per line; SSE sends its lines as they are", () => {
    expect(JSON.parse(array).map((r: { seq: number }) => r.seq)).toEqual([0, 1]);
    expect(recordsDataLines(array)).toEqual(["[", `${first},`, second, "]"]);
    expect(JSON.parse(NO_RECORDS)).toEqual([]);
    expect(recordsDataLines(NO_RECORDS)).toEqual(["[", "]"]);
  });
});
