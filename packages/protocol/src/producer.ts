/**
 * Idempotent producers (PROTOCOL §5.2.1): header parsing and the epoch/seq decision.
 * Pure: the caller supplies the producer's current state and applies the outcome.
 */
import { ProtocolError } from "./errors.js";

export interface ProducerClaim {
  id: string;
  epoch: number;
  seq: number;
}

export interface ProducerState {
  epoch: number;
  lastSeq: number;
  /**
   * Where the producer's latest write (the one at `lastSeq`) went, when the server knows it: a
   * retry of exactly that write can be answered with its original results (transactions do).
   */
  last?: ProducerWrite;
}

/** Where a write went: the tail after it, the seq and append time of its first message, its message count. */
export interface ProducerWrite {
  readonly end: number;
  readonly seq: number;
  readonly ts: number;
  readonly messages: number;
}

export type ProducerDecision =
  /** New data: append it and record `next` as the producer's state. */
  | { kind: "accept"; next: ProducerState }
  /** Already appended: succeed without writing; `state` is echoed back. */
  | { kind: "duplicate"; state: ProducerState };

const INTEGER_PATTERN = /^(0|[1-9]\d*)$/;

function parseProducerInteger(name: string, raw: string): number {
  const value = INTEGER_PATTERN.test(raw) ? Number(raw) : Number.NaN;
  // §5.2.1: a non-negative integer no larger than 2^53-1.
  if (!Number.isSafeInteger(value)) {
    throw new ProtocolError(
      "INVALID_PRODUCER_HEADERS",
      `${name} must be an integer between 0 and 2^53-1: ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** §5.2.1: all three headers or none; an empty Producer-Id is a bad request. */
export function parseProducerClaim(
  id: string | undefined,
  epoch: string | undefined,
  seq: string | undefined,
): ProducerClaim | undefined {
  if (id === undefined && epoch === undefined && seq === undefined) return undefined;
  if (id === undefined || epoch === undefined || seq === undefined) {
    throw new ProtocolError(
      "INVALID_PRODUCER_HEADERS",
      "Producer-Id, Producer-Epoch and Producer-Seq must be sent together",
    );
  }
  if (id.length === 0) {
    throw new ProtocolError("INVALID_PRODUCER_HEADERS", "Producer-Id must not be empty");
  }
  return {
    id,
    epoch: parseProducerInteger("Producer-Epoch", epoch),
    seq: parseProducerInteger("Producer-Seq", seq),
  };
}

/** §5.2.1 validation logic, step by step. */
export function decideProducer(state: ProducerState | undefined, claim: ProducerClaim): ProducerDecision {
  if (state === undefined) {
    // An unknown producer starts a session, which begins at seq 0.
    if (claim.seq !== 0) throw sequenceGap(0, claim.seq);
    return { kind: "accept", next: { epoch: claim.epoch, lastSeq: 0 } };
  }
  if (claim.epoch < state.epoch) {
    throw new ProtocolError(
      "STALE_PRODUCER_EPOCH",
      `Producer epoch ${claim.epoch} is older than the current epoch ${state.epoch}`,
      {
        "producer-epoch": String(state.epoch),
      },
    );
  }
  if (claim.epoch > state.epoch) {
    if (claim.seq !== 0) {
      throw new ProtocolError(
        "PRODUCER_EPOCH_SEQ_NOT_ZERO",
        `A new epoch must start at Producer-Seq 0, got ${claim.seq}`,
      );
    }
    return { kind: "accept", next: { epoch: claim.epoch, lastSeq: 0 } };
  }
  if (claim.seq <= state.lastSeq) return { kind: "duplicate", state };
  if (claim.seq === state.lastSeq + 1) return { kind: "accept", next: { epoch: state.epoch, lastSeq: claim.seq } };
  throw sequenceGap(state.lastSeq + 1, claim.seq);
}

function sequenceGap(expected: number, received: number): ProtocolError {
  return new ProtocolError("PRODUCER_SEQ_GAP", `Producer-Seq ${received} skips ahead; expected ${expected}`, {
    "producer-expected-seq": String(expected),
    "producer-received-seq": String(received),
  });
}
