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
  type RecordPosition,
  recordsDataLines,
  writeDecimal,
  writePositionDigits,
  writeRecordHead,
} from "@rivulet/protocol";
import { describe, expect, test } from "vitest";

const decoder = new TextDecoder();

function head(record: RecordPosition): string {
  const target = new Uint8Array(RECORD_HEAD_BYTES + 10).fill(0x21);
  const end = writeRecordHead(target, 5, record);
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

  test("a response is their array, one record per line; SSE sends its lines as they are", () => {
    expect(JSON.parse(array).map((r: { seq: number }) => r.seq)).toEqual([0, 1]);
    expect(recordsDataLines(array)).toEqual(["[", `${first},`, second, "]"]);
    expect(JSON.parse(NO_RECORDS)).toEqual([]);
    expect(recordsDataLines(NO_RECORDS)).toEqual(["[", "]"]);
  });
});
