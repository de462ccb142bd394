import { formatOffset, recordJson, recordsArray, recordsDataLines } from "@rivulet/protocol";
import { describe, expect, test } from "vitest";

describe("records view encoding", () => {
  const first = recordJson({ start: 0, end: 9, seq: 0, ts: 1700 }, '{"a":1}');
  const second = recordJson({ start: 9, end: 15, seq: 1, ts: 1701 }, '"text"');

  test("a record is offset, next_offset, seq, ts and the value, as JSON", () => {
    expect(JSON.parse(first)).toEqual({
      offset: formatOffset(0),
      next_offset: formatOffset(9),
      seq: 0,
      ts: 1700,
      value: { a: 1 },
    });
  });

  test("a response is their array; SSE sends one record per line, which joined is the same array", () => {
    expect(JSON.parse(recordsArray([first, second])).map((r: { seq: number }) => r.seq)).toEqual([0, 1]);
    expect(recordsArray([])).toBe("[]");
    const lines = recordsDataLines([first, second]);
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines.join("\n"))).toEqual(JSON.parse(recordsArray([first, second])));
    expect(recordsDataLines([])).toEqual(["[", "]"]);
  });
});
