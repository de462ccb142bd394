import {
  formatOffset,
  NO_RECORDS,
  RECORD_END,
  RECORDS_CLOSE,
  RECORDS_FIRST,
  RECORDS_NEXT,
  RECORDS_OPEN,
  recordHead,
  recordsDataLines,
} from "@rivulet/protocol";
import { describe, expect, test } from "vitest";

describe("records view encoding", () => {
  const first = `${recordHead({ start: 0, end: 9, seq: 0, ts: 1700 })}{"a":1}${RECORD_END}`;
  const second = `${recordHead({ start: 9, end: 15, seq: 1, ts: 1701 }, "x", "y")}"text"${RECORD_END}`;
  const array = `${RECORDS_OPEN}${RECORDS_FIRST}${first}${RECORDS_NEXT}${second}${RECORDS_CLOSE}`;

  test("a record is offset, next_offset, seq, ts and the value, as JSON; offsets may come formatted", () => {
    expect(JSON.parse(first)).toEqual({
      offset: formatOffset(0),
      next_offset: formatOffset(9),
      seq: 0,
      ts: 1700,
      value: { a: 1 },
    });
    expect(JSON.parse(second)).toMatchObject({ offset: "x", next_offset: "y", value: "text" });
  });

  test("a response is their array, one record per line; SSE sends its lines as they are", () => {
    expect(JSON.parse(array).map((r: { seq: number }) => r.seq)).toEqual([0, 1]);
    expect(recordsDataLines(array)).toEqual(["[", `${first},`, second, "]"]);
    expect(JSON.parse(NO_RECORDS)).toEqual([]);
    expect(recordsDataLines(NO_RECORDS)).toEqual(["[", "]"]);
  });
});
