/**
 * What other features see of topics (features/groups/sources/types.ts): the partition count
 * and stream of every topic, with a signal when they change, and the positions, seqs and sizes
 * of partition streams — straight from the engine, so they are as current as a HEAD.
 */
import { formatOffset, parsePosition } from "@rivulet/protocol";
import type { Engine } from "../../engine/engine.js";
import { firstAtOrAfter, messageAt } from "../../engine/positions.js";
import type { StreamState } from "../../engine/stream-state.js";
import type { PartitionPosition, PartitionState, PartitionStats, TopicDirectory } from "../groups/sources/types.js";
import type { TopicService } from "./runtime/service.js";

export class TopicCatalog implements TopicDirectory, PartitionStats {
  private readonly engine: Engine;

  constructor(private readonly service: TopicService) {
    this.engine = service.engine;
  }

  partitions(topic: string): number | undefined {
    return this.service.partitionCount(topic);
  }

  partitionPath(topic: string, partition: number): string {
    return this.service.paths.partition(topic, partition);
  }

  onChange(listener: (topic: string) => void): () => void {
    return this.service.onChange(listener);
  }

  async describe(topic: string, partition: number): Promise<PartitionState | undefined> {
    const stream = await this.stream(topic, partition);
    if (!stream) return undefined;
    const earliest = await messageAt(this.engine, stream, stream.earliest);
    return {
      earliest: { offset: formatOffset(stream.earliest), seq: earliest.seq },
      next: { offset: formatOffset(stream.tail), seq: stream.nextSeq },
      bytes: stream.tail - stream.earliest,
    };
  }

  async seqAt(topic: string, partition: number, offset: string): Promise<number | undefined> {
    const stream = await this.stream(topic, partition);
    const position = parsePosition(offset);
    if (!stream || position === undefined || position < stream.earliest || position > stream.tail) return undefined;
    try {
      return (await messageAt(this.engine, stream, position)).seq;
    } catch {
      return undefined; // not a message boundary
    }
  }

  async offsetAt(topic: string, partition: number, time: number): Promise<PartitionPosition | undefined> {
    const stream = await this.stream(topic, partition);
    if (!stream) return undefined;
    const found = await firstAtOrAfter(this.engine, stream, time);
    return { offset: formatOffset(found.position), seq: found.seq };
  }

  /** The partition's stream, when the topic has that partition and the stream is there. */
  private async stream(topic: string, partition: number): Promise<StreamState | undefined> {
    const count = this.partitions(topic);
    if (count === undefined || !Number.isInteger(partition) || partition < 0 || partition >= count) return undefined;
    const stream = await this.engine.stream(this.partitionPath(topic, partition));
    return stream && !stream.softDeleted && this.engine.holds(stream) ? stream : undefined;
  }
}
