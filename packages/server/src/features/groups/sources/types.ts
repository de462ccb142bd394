/**
 * What consumer groups need to know about topics, without depending on how topics are kept:
 * how many partitions a topic has (and when that changes), where each partition's stream is,
 * and the positions and sizes of a partition stream. The topics feature implements both; the
 * stand-in in static.ts serves a fixed list of topics until it does.
 */

/** Topic metadata, read synchronously while the coordinator decides (it must be in memory). */
export interface TopicDirectory {
  /** The topic's partition count, or undefined when there is no such topic. */
  partitions(topic: string): number | undefined;
  /** Full path of a partition's stream, e.g. `/v1/stream/orders/0`. */
  partitionPath(topic: string, partition: number): string;
  /**
   * Calls `listener` with a topic's name whenever its partition count changes (created,
   * grown, deleted). Returns a function that stops the calls.
   */
  onChange(listener: (topic: string) => void): () => void;
}

/** A position in a partition: a Durable Streams offset and the seq of the message there, when known. */
export interface PartitionPosition {
  readonly offset: string;
  /** Messages before this position; undefined when the store does not count messages. */
  readonly seq: number | undefined;
}

/** One partition stream as it is now. */
export interface PartitionState {
  /** The first readable position (after retention). */
  readonly earliest: PartitionPosition;
  /** The tail: where the next message will be. */
  readonly next: PartitionPosition;
  /** Bytes readable from `earliest` to `next`. */
  readonly bytes: number;
}

/** Positions, sizes and time lookups of partition streams, for commits, resets and lag. */
export interface PartitionStats {
  /** The partition's stream now, or undefined when it does not exist. */
  describe(topic: string, partition: number): Promise<PartitionState | undefined>;
  /** The seq of the message that starts at `offset` (messages before it), when the store counts them. */
  seqAt(topic: string, partition: number, offset: string): Promise<number | undefined>;
  /**
   * The position of the first message appended at or after `time` (ms since the epoch), the
   * tail when there is none; undefined when this store cannot look positions up by time.
   */
  offsetAt(topic: string, partition: number, time: number): Promise<PartitionPosition | undefined>;
}
