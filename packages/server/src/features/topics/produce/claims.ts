/**
 * Idempotent producers on the produce endpoint (docs/kafka-layer.md, "Idempotent produce").
 * A thin client numbers its requests as on one stream (§5.2.1: `Producer-Id`, `Producer-Epoch`,
 * `Producer-Seq`, one request at a time), but a request touches any partitions, each of which
 * keeps its own producer state, atomically with its data. So the append of request (epoch e,
 * seq n) to a partition claims the partition-level epoch `e · 2^32 + n` at seq 0:
 *
 * - a retry of a request a partition already has is a duplicate there (same epoch, seq 0);
 * - a later request is a new epoch there, which always starts at seq 0 — so partitions that
 *   got none of the requests in between see no gap;
 * - an older request after a later one (pipelining, or a lost retry) is refused:
 *   PRODUCER_OUT_OF_ORDER, or STALE_PRODUCER_EPOCH when a newer epoch wrote there.
 *
 * Pure. Epochs stay below 2^21 and seqs below 2^32, so the product stays an exact integer.
 */
import { type ProducerClaim, ProtocolError } from "@rivulet/protocol";

const SEQS = 2 ** 32;
export const MAX_PRODUCE_EPOCH = 2 ** 21 - 1;
export const MAX_PRODUCE_SEQ = SEQS - 1;

export function checkProduceClaim(claim: ProducerClaim): void {
  if (claim.epoch > MAX_PRODUCE_EPOCH || claim.seq > MAX_PRODUCE_SEQ) {
    throw new ProtocolError(
      "INVALID_PRODUCER_HEADERS",
      `On the produce endpoint Producer-Epoch is at most ${MAX_PRODUCE_EPOCH} and Producer-Seq at most ${MAX_PRODUCE_SEQ}`,
    );
  }
}

/** The claim a request's append to one partition makes. */
export function partitionClaim(claim: ProducerClaim | undefined): ProducerClaim | undefined {
  return claim && { id: claim.id, epoch: claim.epoch * SEQS + claim.seq, seq: 0 };
}

/** A partition's refusal of a request, in the request's own terms. */
export function requestError(error: unknown, claim: ProducerClaim): unknown {
  if (!(error instanceof ProtocolError) || error.code !== "STALE_PRODUCER_EPOCH") return error;
  const current = Number(error.headers["producer-epoch"]);
  const epoch = Math.floor(current / SEQS);
  if (Number.isSafeInteger(current) && epoch > claim.epoch) {
    return new ProtocolError(
      "STALE_PRODUCER_EPOCH",
      `Producer epoch ${claim.epoch} is older than the current epoch ${epoch}`,
      { "producer-epoch": String(epoch) },
    );
  }
  return new ProtocolError(
    "PRODUCER_OUT_OF_ORDER",
    `Request ${claim.seq} is older than request ${current % SEQS} this producer already wrote to the partition`,
  );
}
