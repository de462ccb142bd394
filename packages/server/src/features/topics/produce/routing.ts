/**
 * Which partition each record of a produce request goes to (docs/kafka-layer.md,
 * "Partitioning"), pure: an explicit partition as given; a key by Kafka's murmur2
 * (partitionForKey), so the same key lands where every Kafka client puts it; null keys on one
 * partition, sticky until `batchBytes` went there (KIP-480) — or, for a request with producer
 * headers, on the partition its (id, epoch, seq) hashes to, so a retry lands where the
 * original did.
 */
import { type ProducedRecord, type ProducerClaim, ProtocolError, partitionForKey } from "@rivulet/protocol";

/** Where null-key records go: one partition until enough bytes went there, then another. */
export class StickyPartition {
  private current: number | undefined;
  private bytes = 0;

  constructor(
    private readonly batchBytes: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The partition for the null-key records of one request of `bytes` bytes. */
  next(partitions: number, bytes: number): number {
    if (this.current === undefined || this.current >= partitions || this.bytes >= this.batchBytes) {
      // A different partition than the last, when there is one (Kafka's sticky partitioner).
      const previous = this.current;
      let chosen = Math.floor(this.random() * partitions);
      if (partitions > 1 && chosen === previous) chosen = (chosen + 1) % partitions;
      this.current = chosen;
      this.bytes = 0;
    }
    this.bytes += bytes;
    return this.current;
  }
}

export function route(
  records: readonly ProducedRecord[],
  partitions: number,
  sticky: StickyPartition,
  claim: ProducerClaim | undefined,
): number[] {
  const out = new Array<number>(records.length);
  let keylessBytes = 0;
  for (const record of records) if (record.key === null && record.partition === undefined) keylessBytes += size(record);
  let keyless: number | undefined;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (record.partition !== undefined) {
      if (record.partition >= partitions) {
        throw new ProtocolError(
          "PARTITION_NOT_FOUND",
          `Record ${i}: partition ${record.partition} does not exist (the topic has ${partitions})`,
        );
      }
      out[i] = record.partition;
    } else if (record.key !== null) {
      out[i] = partitionForKey(record.key, partitions);
    } else {
      keyless ??= claim
        ? partitionForKey(`${claim.id}\n${claim.epoch}\n${claim.seq}`, partitions)
        : sticky.next(partitions, keylessBytes);
      out[i] = keyless;
    }
  }
  return out;
}

function size(record: ProducedRecord): number {
  return record.valueEnd - record.valueStart + record.headers.length + (record.key?.length ?? 0);
}
