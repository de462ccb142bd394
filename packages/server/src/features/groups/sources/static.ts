/**
 * The stand-in until a topics feature offers its own: topics from the `groups.topics` setting
 * (partition i of topic t is the stream `{base}/t/i`), and stats read from the engine. This
 * engine counts bytes but not messages, so seqs are unknown (lag in messages is null) and it
 * cannot look positions up by time.
 */
import { formatOffset } from "@rivulet/protocol";
import type { Engine } from "../../../engine/engine.js";
import type { PartitionPosition, PartitionState, PartitionStats, TopicDirectory } from "./types.js";

export class StaticTopics implements TopicDirectory, PartitionStats {
  constructor(
    private readonly topics: Readonly<Record<string, number>>,
    private readonly basePath: string,
    private readonly engine: Engine,
  ) {}

  partitions(topic: string): number | undefined {
    return Object.hasOwn(this.topics, topic) ? this.topics[topic] : undefined;
  }

  partitionPath(topic: string, partition: number): string {
    return `${this.basePath}/${topic}/${partition}`;
  }

  onChange(): () => void {
    return () => {};
  }

  async describe(topic: string, partition: number): Promise<PartitionState | undefined> {
    const count = this.partitions(topic);
    if (count === undefined || partition >= count) return undefined;
    const stream = await this.engine.stream(this.partitionPath(topic, partition));
    if (!stream || stream.softDeleted) return undefined;
    return { earliest: unknownSeq(0), next: unknownSeq(stream.tail), bytes: stream.tail };
  }

  async seqAt(): Promise<number | undefined> {
    return undefined;
  }

  async offsetAt(): Promise<PartitionPosition | undefined> {
    return undefined;
  }
}

function unknownSeq(position: number): PartitionPosition {
  return { offset: formatOffset(position), seq: undefined };
}
