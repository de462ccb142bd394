import {
  type AppendIntent,
  decideAppend,
  formatOffset,
  type ProducerClaim,
  type ProducerState,
  type WriterView,
} from "@rivulet/protocol";
import { describe, expect, test } from "vitest";
import { expectProtocolError } from "./expect-error.js";

function view(overrides: Partial<WriterView> = {}, producers: Record<string, ProducerState> = {}): WriterView {
  return {
    contentType: "application/json",
    tail: 10,
    nextSeq: 3,
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

const claim = (epoch: number, seq: number, id = "p"): ProducerClaim => ({ id, epoch, seq });

describe("decideAppend (PROTOCOL §5.2)", () => {
  test("a plain append writes", () => {
    expect(decideAppend(view(), intent())).toEqual({
      kind: "write",
      producer: undefined,
      streamSeq: undefined,
      close: false,
    });
  });

  test("append-and-close writes and closes", () => {
    expect(decideAppend(view(), intent({ close: true }))).toMatchObject({ kind: "write", close: true });
  });

  test("content type mismatch is CONTENT_TYPE_MISMATCH; parameters are ignored", () => {
    expectProtocolError(() => decideAppend(view(), intent({ contentType: "text/plain" })), "CONTENT_TYPE_MISMATCH");
    expect(decideAppend(view(), intent({ contentType: "application/json; charset=utf-8" })).kind).toBe("write");
  });

  test("an empty close-only request ignores its content type (§5.2)", () => {
    expect(decideAppend(view(), intent({ hasBody: false, contentType: "text/plain", close: true })).kind).toBe("write");
  });

  test("Stream-Seq must strictly increase, byte-wise", () => {
    const stream = view({ lastStreamSeq: "b" });
    expectProtocolError(() => decideAppend(stream, intent({ streamSeq: "a" })), "STREAM_SEQ_REGRESSION");
    expectProtocolError(() => decideAppend(stream, intent({ streamSeq: "b" })), "STREAM_SEQ_REGRESSION");
    expect(decideAppend(stream, intent({ streamSeq: "ba" }))).toMatchObject({ kind: "write", streamSeq: "ba" });
    // Lexicographic, not numeric: "10" < "9".
    expectProtocolError(
      () => decideAppend(view({ lastStreamSeq: "9" }), intent({ streamSeq: "10" })),
      "STREAM_SEQ_REGRESSION",
    );
  });

  test("the first Stream-Seq is always accepted", () => {
    expect(decideAppend(view(), intent({ streamSeq: "" }))).toMatchObject({ kind: "write", streamSeq: "" });
  });
});

describe("decideAppend on a closed stream (§5.2 precedence, §5.2.1 closure)", () => {
  const closed = view({ closed: true, tail: 42, contentType: "text/plain" });

  test("closure is checked before content type and Stream-Seq, with Stream-Closed headers", () => {
    const error = expectProtocolError(
      () => decideAppend({ ...closed, lastStreamSeq: "z" }, intent({ contentType: "image/png", streamSeq: "a" })),
      "STREAM_CLOSED",
    );
    expect(error.status).toBe(409);
    expect(error.headers).toEqual({ "stream-closed": "true", "stream-next-offset": formatOffset(42) });
  });

  test("close-only is idempotent", () => {
    expect(decideAppend(closed, intent({ hasBody: false, close: true }))).toEqual({
      kind: "noop",
      producer: undefined,
    });
  });

  test("append-and-close is not idempotent without a producer", () => {
    expectProtocolError(() => decideAppend(closed, intent({ close: true })), "STREAM_CLOSED");
  });

  test("the retry of the producer request that closed the stream is a duplicate", () => {
    const stream = view({ closed: true, closedBy: claim(1, 3) });
    expect(decideAppend(stream, intent({ producer: claim(1, 3), close: true }))).toEqual({
      kind: "noop",
      producer: { epoch: 1, lastSeq: 3 },
    });
  });

  test("any other producer request on a closed stream is STREAM_CLOSED", () => {
    const stream = view({ closed: true, closedBy: claim(1, 3) }, { p: { epoch: 1, lastSeq: 3 } });
    expectProtocolError(() => decideAppend(stream, intent({ producer: claim(1, 4) })), "STREAM_CLOSED");
    expectProtocolError(() => decideAppend(stream, intent({ producer: claim(1, 3, "q") })), "STREAM_CLOSED");
  });

  test("a producer close-only on a closed stream is STREAM_CLOSED unless it is the closing tuple (§5.2.1)", () => {
    const closedByP = view({ closed: true, tail: 42, closedBy: claim(2, 8) }, { p: { epoch: 2, lastSeq: 8 } });
    const closeOnly = (producer: ProducerClaim) => intent({ hasBody: false, close: true, producer });
    expect(decideAppend(closedByP, closeOnly(claim(2, 8)))).toEqual({
      kind: "noop",
      producer: { epoch: 2, lastSeq: 8 },
    });
    for (const other of [claim(2, 9), claim(3, 0), claim(1, 8), claim(2, 8, "q")]) {
      const error = expectProtocolError(() => decideAppend(closedByP, closeOnly(other)), "STREAM_CLOSED");
      expect(error.headers).toEqual({ "stream-closed": "true", "stream-next-offset": formatOffset(42) });
    }
    // Closed by a request without producer headers: no tuple can match.
    const closedPlainly = view({ closed: true }, { p: { epoch: 2, lastSeq: 8 } });
    expectProtocolError(() => decideAppend(closedPlainly, closeOnly(claim(2, 9))), "STREAM_CLOSED");
  });
});

describe("decideAppend with producers (§5.2.1)", () => {
  test("new data records the producer's next state", () => {
    expect(decideAppend(view({}, { p: { epoch: 0, lastSeq: 0 } }), intent({ producer: claim(0, 1) }))).toEqual({
      kind: "write",
      producer: { id: "p", state: { epoch: 0, lastSeq: 1 } },
      streamSeq: undefined,
      close: false,
    });
  });

  test("a duplicate wins over a Stream-Seq that would now look like a regression", () => {
    const stream = view({ lastStreamSeq: "5" }, { p: { epoch: 0, lastSeq: 3 } });
    expect(decideAppend(stream, intent({ producer: claim(0, 3), streamSeq: "5" }))).toEqual({
      kind: "noop",
      producer: { epoch: 0, lastSeq: 3 },
    });
  });

  test("producer errors surface as they are", () => {
    const stream = view({}, { p: { epoch: 2, lastSeq: 3 } });
    expectProtocolError(() => decideAppend(stream, intent({ producer: claim(1, 4) })), "STALE_PRODUCER_EPOCH");
    expectProtocolError(() => decideAppend(stream, intent({ producer: claim(3, 1) })), "PRODUCER_EPOCH_SEQ_NOT_ZERO");
    expectProtocolError(() => decideAppend(stream, intent({ producer: claim(2, 9) })), "PRODUCER_SEQ_GAP");
  });

  test("content type is checked before producer state is touched", () => {
    expectProtocolError(
      () => decideAppend(view(), intent({ contentType: "text/plain", producer: claim(0, 0) })),
      "CONTENT_TYPE_MISMATCH",
    );
  });
});
