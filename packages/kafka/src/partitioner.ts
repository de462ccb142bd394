/**
 * Which partition a record goes to, as every Kafka client decides it (docs/kafka-layer.md,
 * "Partitioning"): a given partition as is; a key by `toPositive(murmur2(utf8(key))) % n`,
 * Java-compatible, so a key lands on the same partition whichever client wrote it (the hash is
 * @rivulet/protocol's, which the server's produce endpoint uses too); no key by the sticky
 * partitioner of KIP-480: keyless records fill a batch on one partition before moving on.
 */
import { murmur2, partitionForKey, toPositive } from "@rivulet/protocol";

export { murmur2, partitionForKey, toPositive };

/** KIP-480: keyless records stay on one partition until about a batch went there, then another. */
export class StickyPartitioner {
  #current: number | undefined;
  #bytes = 0;

  constructor(
    private readonly batchBytes: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The partition for a keyless record of `bytes` in a topic of `partitions`. */
  next(partitions: number, bytes: number): number {
    if (this.#current === undefined || this.#current >= partitions || this.#bytes >= this.batchBytes) {
      this.#current = this.#another(partitions);
      this.#bytes = 0;
    }
    this.#bytes += bytes;
    return this.#current;
  }

  /** A random partition, other than the current one when there is a choice. */
  #another(partitions: number): number {
    if (partitions <= 1 || this.#current === undefined || this.#current >= partitions) {
      return Math.floor(this.random() * partitions);
    }
    const pick = Math.floor(this.random() * (partitions - 1));
    return pick >= this.#current ? pick + 1 : pick;
  }
}

/** The partition of one record: given, keyed, or sticky. */
export function choosePartition(
  record: { key: string | null; partition: number | undefined },
  partitions: number,
  sticky: StickyPartitioner,
  bytes: number,
): number {
  if (record.partition !== undefined) return record.partition;
  if (record.key !== null) return partitionForKey(record.key, partitions);
  return sticky.next(partitions, bytes);
}
