/**
 * Per-partition idempotent producers on the topic produce endpoint (docs/kafka-layer.md,
 * "Idempotent produce, per partition"). A client with its own partitioner sends one request
 * for many partitions and numbers each partition's batches as §5.2.1 numbers one stream's:
 *
 *   Producer-Id: <id>
 *   Producer-Partitions: <partition>:<epoch>:<seq>,<partition>:<epoch>:<seq>,…
 *
 * Each partition's share of the request is then an ordinary idempotent append to its stream
 * with (id, epoch, seq), so several requests may be in flight (a gap is refused there and
 * retried once the earlier batch landed) and a retry is a duplicate where it already landed.
 * Pure: parsing the headers.
 */
import { ProtocolError } from "./errors.js";
import type { ProducerClaim } from "./producer.js";

const ENTRY = /^(0|[1-9]\d*):(0|[1-9]\d*):(0|[1-9]\d*)$/;

function invalid(why: string): ProtocolError {
  return new ProtocolError("INVALID_PRODUCER_HEADERS", why);
}

/**
 * The claim of each partition the request writes to. `Producer-Epoch` and `Producer-Seq`
 * number whole requests and so cannot be sent with `Producer-Partitions`.
 */
export function parsePartitionClaims(
  id: string | undefined,
  epoch: string | undefined,
  seq: string | undefined,
  partitions: string,
): Map<number, ProducerClaim> {
  if (epoch !== undefined || seq !== undefined) {
    throw invalid("Producer-Partitions numbers each partition: send it without Producer-Epoch and Producer-Seq");
  }
  if (id === undefined || id.length === 0) throw invalid("Producer-Partitions needs a non-empty Producer-Id");
  const claims = new Map<number, ProducerClaim>();
  for (const entry of partitions.split(",")) {
    const match = ENTRY.exec(entry.trim());
    const numbers = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [];
    if (numbers.length !== 3 || !numbers.every(Number.isSafeInteger)) {
      throw invalid(`Producer-Partitions entries are <partition>:<epoch>:<seq> integers, not ${JSON.stringify(entry)}`);
    }
    const [partition, claimEpoch, claimSeq] = numbers as [number, number, number];
    if (claims.has(partition)) throw invalid(`Producer-Partitions names partition ${partition} twice`);
    claims.set(partition, { id, epoch: claimEpoch, seq: claimSeq });
  }
  return claims;
}
