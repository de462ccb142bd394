/** The JSON the topics API answers with (docs/kafka-layer.md), and the change feed's messages. */
import { formatOffset, topicConfigJson } from "@rivulet/protocol";
import type { Topic } from "./state/model.js";

/** What the list and the change feed say of a topic. */
export function topicView(topic: Topic): Record<string, unknown> {
  return {
    name: topic.name,
    config: topicConfigJson(topic.config),
    created_at: new Date(topic.createdAt).toISOString(),
    revision: topic.revision,
  };
}

export interface PartitionView {
  readonly partition: number;
  readonly path: string;
  readonly earliest: number;
  readonly earliestSeq: number;
  readonly next: number;
  readonly nextSeq: number;
  readonly bytes: number;
  /** Compacted topics: where the last whole compaction pass ended (nothing before it is superseded). */
  readonly cleanedTo: number | undefined;
}

export function describeView(topic: Topic, partitions: readonly PartitionView[]): Record<string, unknown> {
  return {
    ...topicView(topic),
    partitions: partitions.map((p) => ({
      partition: p.partition,
      path: p.path,
      earliest_offset: formatOffset(p.earliest),
      next_offset: formatOffset(p.next),
      earliest_seq: p.earliestSeq,
      next_seq: p.nextSeq,
      bytes: p.bytes,
      ...(p.cleanedTo === undefined ? {} : { cleaned_to: formatOffset(p.cleanedTo) }),
    })),
  };
}

export type FeedOperation = "insert" | "update" | "delete";

/** One change of the feed, a State Protocol change message keyed by the topic's name. */
export function feedMessage(topic: Topic, operation: FeedOperation, now: number): Record<string, unknown> {
  return {
    type: "topic",
    key: topic.name,
    value: operation === "delete" ? null : topicView(topic),
    headers: { operation, txid: String(topic.revision), timestamp: new Date(now).toISOString() },
  };
}
