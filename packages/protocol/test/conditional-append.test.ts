import {
  type AppendIntent,
  decideAppend,
  formatOffset,
  type ProducerState,
  parseExpectation,
  type WriterView,
} from "@rivulet/protocol";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

function view(overrides: Partial<WriterView> = {}, producers: Record<string, ProducerState> = {}): WriterView {
  return {
    contentType: "application/json",
    tail: 120,
    nextSeq: 7,
    closed: false,
    lastStreamSeq: undefined,
    closedBy: undefined,
    producerState: (id) => producers[id],
    ...overrides,
  };
}

const intent = (overrides: Partial<AppendIntent> = {}): AppendIntent => ({
  hasBody: true,
  contentType: "application/json",
  close: false,
  streamSeq: undefined,
  producer: undefined,
  ...overrides,
});

describe("conditional appends (docs/extensions.md)", () => {
  test("an expectation that matches the tail writes", () => {
    expect(decideAppend(view(), intent({ expected: { offset: 120 } })).kind).toBe("write");
    expect(decideAppend(view(), intent({ expected: { seq: 7 } })).kind).toBe("write");
    expect(decideAppend(view(), intent({ expected: { offset: 120, seq: 7 } })).kind).toBe("write");
  });

  test("any other tail is TAIL_MISMATCH with the current tail, and writes nothing", () => {
    for (const expected of [{ offset: 100 }, { seq: 8 }, { offset: 120, seq: 6 }, { offset: 0, seq: 7 }]) {
      const error = expectProtocolError(() => decideAppend(view(), intent({ expected })), "TAIL_MISMATCH");
      expect(error.status).toBe(412);
      expect(error.headers).toEqual({ "stream-next-offset": formatOffset(120), "stream-next-seq": "7" });
    }
  });

  test("closure comes first: a closed stream answers STREAM_CLOSED whatever is expected", () => {
    expectProtocolError(
      () => decideAppend(view({ closed: true }), intent({ expected: { offset: 1 } })),
      "STREAM_CLOSED",
    );
  });

  test("a close-only request can be conditional too", () => {
    expect(decideAppend(view(), intent({ hasBody: false, close: true, expected: { seq: 7 } })).kind).toBe("write");
    expectProtocolError(
      () => decideAppend(view(), intent({ hasBody: false, close: true, expected: { seq: 6 } })),
      "TAIL_MISMATCH",
    );
  });

  test("a producer's retry of a conditional append that was written is a duplicate, not a mismatch", () => {
    const stream = view({}, { p: { epoch: 0, lastSeq: 4 } });
    const retry = intent({ producer: { id: "p", epoch: 0, seq: 4 }, expected: { offset: 60 } });
    expect(decideAppend(stream, retry).kind).toBe("noop");
  });

  test("a producer's new append whose expectation fails consumes nothing: it may retry the same seq", () => {
    const stream = view({}, { p: { epoch: 0, lastSeq: 4 } });
    const claim = { id: "p", epoch: 0, seq: 5 };
    expectProtocolError(() => decideAppend(stream, intent({ producer: claim, expected: { seq: 1 } })), "TAIL_MISMATCH");
    expect(decideAppend(stream, intent({ producer: claim, expected: { seq: 7 } }))).toMatchObject({
      kind: "write",
      producer: { id: "p", state: { epoch: 0, lastSeq: 5 } },
    });
  });

  test("a producer sequence gap is reported before the expectation", () => {
    const stream = view({}, { p: { epoch: 0, lastSeq: 4 } });
    expectProtocolError(
      () => decideAppend(stream, intent({ producer: { id: "p", epoch: 0, seq: 9 }, expected: { seq: 0 } })),
      "PRODUCER_SEQ_GAP",
    );
  });
});

describe("parseExpectation", () => {
  test("neither header: no expectation", () => {
    expect(parseExpectation(undefined, undefined)).toBeUndefined();
  });

  test("an offset and a seq", () => {
    expect(parseExpectation(formatOffset(42), undefined)).toEqual({ offset: 42 });
    expect(parseExpectation(undefined, "0")).toEqual({ seq: 0 });
    expect(parseExpectation(formatOffset(3), "12")).toEqual({ offset: 3, seq: 12 });
  });

  test.each(["-1", "now", "42", "", "0000000000000000_000000000000001x"])(
    "Stream-Expected-Offset %j is INVALID_OFFSET",
    (raw) => {
      expectProtocolError(() => parseExpectation(raw, undefined), "INVALID_OFFSET");
    },
  );

  test.each(["-1", "01", "1.5", "", "abc", "9007199254740993"])(
    "Stream-Expected-Seq %j is INVALID_EXPECTED_SEQ",
    (raw) => {
      expectProtocolError(() => parseExpectation(undefined, raw), "INVALID_EXPECTED_SEQ");
    },
  );
});
