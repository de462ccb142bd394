/**
 * What an append asks and answers, and the record it writes: shared by plain appends and
 * atomic ones (transaction.ts), so both frame bodies and fill records the same way.
 */
import {
  type AppendDecision,
  type AppendIntent,
  type FramedJson,
  frameJson,
  isJsonContentType,
  type ProducerState,
  ProtocolError,
} from "@rivulet/protocol";
import type { AppendRecord } from "../store/types.js";
import type { StreamState } from "./stream-state.js";

export interface AppendRequest extends AppendIntent {
  /**
   * The request body as sent, or JSON messages a validating parse already framed (produce
   * requests' envelopes): appended as they are, without parsing them again.
   */
  readonly body: Uint8Array | FramedJson;
}

export interface AppendResult {
  readonly written: boolean;
  readonly tail: number;
  readonly closed: boolean;
  readonly producer: ProducerState | undefined;
  /** For a write that appended messages: the seq of its first message and its append time. */
  readonly appended: { readonly seq: number; readonly ts: number } | undefined;
  /**
   * How long a single append waited for the store to make it durable, in ms (0 when nothing
   * was written); the request span and log report it. Transactions leave it out.
   */
  readonly commitWaitMs?: number;
}

export interface Framed {
  readonly data: Uint8Array;
  readonly messages: number;
}

/** The bytes a stream stores for a body, by content type (PROTOCOL §9), and how many messages they hold. */
export function frame(contentType: string, body: Uint8Array | FramedJson, operation: "create" | "append"): Framed {
  const raw = body instanceof Uint8Array;
  if (raw && body.length === 0) return { data: body, messages: 0 };
  if (!isJsonContentType(contentType)) {
    if (raw) return { data: body, messages: 1 };
    throw new ProtocolError("CONTENT_TYPE_MISMATCH", `JSON messages cannot be appended to a ${contentType} stream`);
  }
  const framed = raw ? frameJson(body) : body;
  // §9.1.3: `[]` creates an empty stream on PUT but is a client bug on POST.
  if (framed.messageCount === 0 && operation === "append") {
    throw new ProtocolError("EMPTY_JSON_ARRAY", "An append must not be an empty JSON array");
  }
  return { data: framed.data, messages: framed.messageCount };
}

/** The record a write decision appends at the stream's decided tail. */
export function recordFor(
  stream: StreamState,
  decision: Extract<AppendDecision, { kind: "write" }>,
  framed: Framed,
  now: number,
): AppendRecord {
  return {
    position: stream.decidedTail,
    data: framed.data,
    producer: decision.producer && {
      id: decision.producer.id,
      epoch: decision.producer.state.epoch,
      seq: decision.producer.state.lastSeq,
    },
    streamSeq: decision.streamSeq,
    close: decision.close,
    // Append times are monotonic per stream, so `?at=` lookups are a plain ordered search.
    ts: Math.max(now, stream.decidedLastTs),
    messages: framed.messages,
    createdAt: stream.meta.createdAt,
  };
}

export function isSequenceGap(error: unknown): boolean {
  return error instanceof ProtocolError && error.code === "PRODUCER_SEQ_GAP";
}
