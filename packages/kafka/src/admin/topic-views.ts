/** The topics API's JSON (docs/kafka-layer.md, "Topics") in the SDK's camelCase shapes, and back. */
import { invalid } from "../options.js";

export interface TopicConfig {
  partitions?: number;
  cleanupPolicy?: "delete" | "compact";
  retentionMs?: number | null;
  retentionBytes?: number | null;
  deleteRetentionMs?: number | null;
}

export interface TopicSummary {
  name: string;
  partitions: number;
  cleanupPolicy: "delete" | "compact";
  retentionMs: number | null;
  retentionBytes: number | null;
  deleteRetentionMs: number;
  createdAt: Date;
  revision: number;
}

export interface PartitionInfo {
  partition: number;
  path: string;
  earliestOffset: string;
  nextOffset: string;
  earliestSeq: number;
  nextSeq: number;
  bytes: number;
}

export interface TopicDescription extends TopicSummary {
  /** Each partition's stream and extent now. */
  partitionDetails: PartitionInfo[];
}

interface WireConfig {
  partitions: number;
  cleanup_policy: "delete" | "compact";
  retention_ms: number | null;
  retention_bytes: number | null;
  delete_retention_ms: number;
}

export interface WireTopic {
  name: string;
  config: WireConfig;
  created_at: string;
  revision: number;
  partitions?: {
    partition: number;
    path: string;
    earliest_offset: string;
    next_offset: string;
    earliest_seq: number;
    next_seq: number;
    bytes: number;
  }[];
}

const FIELDS: Readonly<Record<keyof TopicConfig, string>> = {
  partitions: "partitions",
  cleanupPolicy: "cleanup_policy",
  retentionMs: "retention_ms",
  retentionBytes: "retention_bytes",
  deleteRetentionMs: "delete_retention_ms",
};

/** `{ partitions, retentionMs }` → `{ partitions, retention_ms }`; snake_case names are accepted as they are. */
export function wireConfig(config: TopicConfig | Record<string, unknown> = {}): Record<string, unknown> {
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw invalid("config", "must be an object");
  const wire: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config)) {
    if (value === undefined) continue;
    wire[FIELDS[name as keyof TopicConfig] ?? name] = value;
  }
  return wire;
}

export function topicSummary(wire: WireTopic): TopicSummary {
  return {
    name: wire.name,
    partitions: wire.config.partitions,
    cleanupPolicy: wire.config.cleanup_policy,
    retentionMs: wire.config.retention_ms,
    retentionBytes: wire.config.retention_bytes,
    deleteRetentionMs: wire.config.delete_retention_ms,
    createdAt: new Date(wire.created_at),
    revision: wire.revision,
  };
}

export function topicDescription(wire: WireTopic): TopicDescription {
  return {
    ...topicSummary(wire),
    partitionDetails: (wire.partitions ?? []).map((p) => ({
      partition: p.partition,
      path: p.path,
      earliestOffset: p.earliest_offset,
      nextOffset: p.next_offset,
      earliestSeq: p.earliest_seq,
      nextSeq: p.next_seq,
      bytes: p.bytes,
    })),
  };
}
