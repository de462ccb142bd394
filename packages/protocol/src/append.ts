/**
 * The append decision (PROTOCOL §5.2, §5.2.1, §5.3, and the conditional-append extension of
 * docs/extensions.md): given what the stream's writer state is and what the request asks,
 * decide whether to write, to succeed without writing, or to fail.
 */
import { contentTypesMatch } from "./content-type.js";
import { ProtocolError } from "./errors.js";
import { formatOffset, parsePosition } from "./offset.js";
import { decideProducer, type ProducerClaim, type ProducerState } from "./producer.js";

/** What an append needs to know about the stream it writes to. */
export interface WriterView {
  readonly contentType: string;
  readonly tail: number;
  /** Seq the next message gets (the number of messages ever appended, inherited ones included). */
  readonly nextSeq: number;
  readonly closed: boolean;
  readonly lastStreamSeq: string | undefined;
  /** The producer request that closed the stream, so its retry deduplicates (§5.2.1). */
  readonly closedBy: ProducerClaim | undefined;
  producerState(id: string): ProducerState | undefined;
}

export interface AppendIntent {
  readonly hasBody: boolean;
  readonly contentType: string | undefined;
  readonly close: boolean;
  readonly streamSeq: string | undefined;
  readonly producer: ProducerClaim | undefined;
  /** Conditional append: the tail the writer expects; on any other, nothing is written. */
  readonly expected?: TailExpectation | undefined;
}

/** Stream-Expected-Offset and Stream-Expected-Seq: each given must equal the stream's tail. */
export interface TailExpectation {
  readonly offset?: number;
  readonly seq?: number;
}

export type AppendDecision =
  | {
      kind: "write";
      /** The producer's state after this write, stored atomically with the data. */
      producer: { id: string; state: ProducerState } | undefined;
      streamSeq: string | undefined;
      close: boolean;
    }
  | { kind: "noop"; producer: ProducerState | undefined };

export function decideAppend(stream: WriterView, intent: AppendIntent): AppendDecision {
  // §5.2 error precedence: closure first, so clients always see Stream-Closed.
  if (stream.closed) return decideOnClosed(stream, intent);

  if (
    intent.hasBody &&
    intent.contentType !== undefined &&
    !contentTypesMatch(intent.contentType, stream.contentType)
  ) {
    throw new ProtocolError(
      "CONTENT_TYPE_MISMATCH",
      `Content-Type ${intent.contentType} does not match the stream's ${stream.contentType}`,
    );
  }

  let producer: { id: string; state: ProducerState } | undefined;
  if (intent.producer) {
    const decision = decideProducer(stream.producerState(intent.producer.id), intent.producer);
    // A duplicate wins over Stream-Seq checks: the original already passed them.
    if (decision.kind === "duplicate") return { kind: "noop", producer: decision.state };
    producer = { id: intent.producer.id, state: decision.next };
  }

  // Checked after deduplication: a retry of a conditional append that succeeded is a duplicate,
  // not a mismatch against the tail its own first attempt moved.
  if (intent.expected) checkExpectation(stream, intent.expected);

  // §5.2: Stream-Seq compares byte-wise and must strictly increase (scope: per stream).
  if (
    intent.streamSeq !== undefined &&
    stream.lastStreamSeq !== undefined &&
    intent.streamSeq <= stream.lastStreamSeq
  ) {
    throw new ProtocolError(
      "STREAM_SEQ_REGRESSION",
      `Stream-Seq ${intent.streamSeq} is not greater than ${stream.lastStreamSeq}`,
    );
  }

  return { kind: "write", producer, streamSeq: intent.streamSeq, close: intent.close };
}

function decideOnClosed(stream: WriterView, intent: AppendIntent): AppendDecision {
  const by = stream.closedBy;
  const claim = intent.producer;
  // §5.2.1: a retry of the very request that closed the stream is a duplicate.
  if (claim && by && claim.id === by.id && claim.epoch === by.epoch && claim.seq === by.seq) {
    return { kind: "noop", producer: { epoch: by.epoch, lastSeq: by.seq } };
  }
  // §5.3: close-only on a closed stream is idempotent. With producer headers it is a producer
  // request, and §5.2.1 allows only the closing tuple (above): "Otherwise, return 409".
  if (!intent.hasBody && intent.close && !claim) return { kind: "noop", producer: undefined };
  throw new ProtocolError("STREAM_CLOSED", "Stream is closed", {
    "stream-closed": "true",
    "stream-next-offset": formatOffset(stream.tail),
  });
}

function checkExpectation(stream: WriterView, expected: TailExpectation): void {
  const offsetDiffers = expected.offset !== undefined && expected.offset !== stream.tail;
  const seqDiffers = expected.seq !== undefined && expected.seq !== stream.nextSeq;
  if (!offsetDiffers && !seqDiffers) return;
  const what = offsetDiffers
    ? `offset ${formatOffset(expected.offset!)}, but the tail is ${formatOffset(stream.tail)}`
    : `seq ${expected.seq}, but the next seq is ${stream.nextSeq}`;
  throw new ProtocolError("TAIL_MISMATCH", `The append expected ${what}; nothing was written`, {
    "stream-next-offset": formatOffset(stream.tail),
    "stream-next-seq": String(stream.nextSeq),
  });
}

const SEQ_PATTERN = /^(0|[1-9]\d*)$/;

/** Stream-Expected-Offset (a server-minted offset) and Stream-Expected-Seq (an integer); undefined when neither is sent. */
export function parseExpectation(offset: string | undefined, seq: string | undefined): TailExpectation | undefined {
  if (offset === undefined && seq === undefined) return undefined;
  const expected: { offset?: number; seq?: number } = {};
  if (offset !== undefined) {
    const position = parsePosition(offset);
    if (position === undefined) {
      throw new ProtocolError("INVALID_OFFSET", `Stream-Expected-Offset is not an offset: ${JSON.stringify(offset)}`);
    }
    expected.offset = position;
  }
  if (seq !== undefined) {
    const value = SEQ_PATTERN.test(seq) ? Number(seq) : Number.NaN;
    if (!Number.isSafeInteger(value)) {
      throw new ProtocolError(
        "INVALID_EXPECTED_SEQ",
        `Stream-Expected-Seq must be a non-negative integer: ${JSON.stringify(seq)}`,
      );
    }
    expected.seq = value;
  }
  return expected;
}
