/**
 * Committed offsets beside the partitions' tails, and the lag between them: in messages
 * (next seq minus committed seq, when the store counts messages) and in bytes. A partition
 * with no committed offset has no lag (as Kafka shows it): where its consumer would start
 * depends on the consumer's reset policy.
 */
import { parsePosition } from "@rivulet/protocol";
import type { Committed, Group, PartitionKey } from "../coordinator/model.js";
import { partitionKey, splitKey } from "../coordinator/model.js";
import type { PartitionState, PartitionStats, TopicDirectory } from "../sources/types.js";

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly committed: Committed | undefined;
  /** The partition stream now; undefined when it no longer exists. */
  readonly state: PartitionState | undefined;
  readonly messages: number | null;
  readonly bytes: number | null;
}

export interface GroupLag {
  readonly partitions: PartitionLag[];
  /** Totals over partitions with a known lag; messages null when no partition's is known. */
  readonly messages: number | null;
  readonly bytes: number;
}

/** Partitions the group consumes or has offsets for, in topic and partition order. */
export function partitionsOf(group: Group, directory: TopicDirectory, topic?: string): PartitionKey[] {
  const keys = new Set<PartitionKey>(group.offsets.keys());
  for (const name of group.topicPartitions.keys()) {
    const count = directory.partitions(name) ?? 0;
    for (let p = 0; p < count; p++) keys.add(partitionKey(name, p));
  }
  return [...keys]
    .map(splitKey)
    .filter((key) => topic === undefined || key.topic === topic)
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    .map((key) => partitionKey(key.topic, key.partition));
}

export async function lagOf(group: Group, keys: readonly PartitionKey[], stats: PartitionStats): Promise<GroupLag> {
  const partitions = await Promise.all(keys.map((key) => partitionLag(group, key, stats)));
  let messages: number | null = null;
  let bytes = 0;
  for (const lag of partitions) {
    if (lag.messages !== null) messages = (messages ?? 0) + lag.messages;
    bytes += lag.bytes ?? 0;
  }
  return { partitions, messages, bytes };
}

async function partitionLag(group: Group, key: PartitionKey, stats: PartitionStats): Promise<PartitionLag> {
  const { topic, partition } = splitKey(key);
  const committed = group.offsets.get(key);
  const state = await stats.describe(topic, partition);
  if (!committed || !state) return { topic, partition, committed, state, messages: null, bytes: null };
  const next = parsePosition(state.next.offset);
  const at = parsePosition(committed.offset);
  const bytes = next === undefined || at === undefined ? null : Math.max(0, next - at);
  const messages =
    state.next.seq === undefined || committed.seq === null ? null : Math.max(0, state.next.seq - committed.seq);
  return { topic, partition, committed, state, messages, bytes };
}
