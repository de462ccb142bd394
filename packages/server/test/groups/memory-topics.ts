/**
 * An in-memory TopicDirectory and PartitionStats for the group tests: topics with partition
 * counts, and partitions whose tail the test moves (offsets are Rivulet offsets of byte
 * positions; every message is 10 bytes, so seq = position / 10).
 */
import { formatOffset, parsePosition } from "@rivulet/protocol";
import type {
  PartitionPosition,
  PartitionState,
  PartitionStats,
  TopicDirectory,
} from "../../src/features/groups/sources/types.js";

export const MESSAGE_BYTES = 10;

export class MemoryTopics implements TopicDirectory, PartitionStats {
  private readonly counts = new Map<string, number>();
  private readonly tails = new Map<string, number>();
  /** Append times of messages per partition (ms), by seq. */
  private readonly times = new Map<string, number[]>();
  private readonly listeners = new Set<(topic: string) => void>();
  /** Whether offsetAt answers (a store that keeps append times). */
  timeIndex = true;

  constructor(
    topics: Record<string, number> = {},
    readonly basePath = "/v1/stream",
  ) {
    for (const [topic, count] of Object.entries(topics)) this.counts.set(topic, count);
  }

  /** Creates or grows a topic and signals the change. */
  set(topic: string, partitions: number | undefined): void {
    if (partitions === undefined) this.counts.delete(topic);
    else this.counts.set(topic, partitions);
    for (const listener of this.listeners) listener(topic);
  }

  /** Appends `messages` messages to a partition, each at time `at`. */
  append(topic: string, partition: number, messages: number, at = 0): void {
    const key = `${topic}/${partition}`;
    this.tails.set(key, (this.tails.get(key) ?? 0) + messages * MESSAGE_BYTES);
    const times = this.times.get(key) ?? [];
    for (let i = 0; i < messages; i++) times.push(at);
    this.times.set(key, times);
  }

  partitions(topic: string): number | undefined {
    return this.counts.get(topic);
  }

  partitionPath(topic: string, partition: number): string {
    return `${this.basePath}/${topic}/${partition}`;
  }

  onChange(listener: (topic: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async describe(topic: string, partition: number): Promise<PartitionState | undefined> {
    const count = this.counts.get(topic);
    if (count === undefined || partition >= count) return undefined;
    const tail = this.tails.get(`${topic}/${partition}`) ?? 0;
    return { earliest: { offset: formatOffset(0), seq: 0 }, next: position(tail), bytes: tail };
  }

  async seqAt(_topic: string, _partition: number, offset: string): Promise<number | undefined> {
    const at = parsePosition(offset);
    return at === undefined ? undefined : Math.floor(at / MESSAGE_BYTES);
  }

  async offsetAt(topic: string, partition: number, time: number): Promise<PartitionPosition | undefined> {
    if (!this.timeIndex) return undefined;
    const times = this.times.get(`${topic}/${partition}`) ?? [];
    const seq = times.findIndex((t) => t >= time);
    return position((seq === -1 ? times.length : seq) * MESSAGE_BYTES);
  }
}

export function position(bytes: number): PartitionPosition {
  return { offset: formatOffset(bytes), seq: bytes / MESSAGE_BYTES };
}
