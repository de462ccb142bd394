/**
 * Settings of topics (docs/kafka-layer.md, "Configuration"): where partition streams live,
 * limits, and how compaction runs. Every field is optional; `resolveTopicSettings` fills the
 * documented defaults and refuses values that make no sense, before anything opens.
 */

export interface TopicSettings {
  /** Partition p of topic t is the stream `{base}/{pathPrefix}/t/p` (default `topics`). */
  readonly pathPrefix?: string;
  /** Most topics the server holds (default 10,000; TOPIC_LIMIT_REACHED, 507). */
  readonly maxTopics?: number;
  /** Most partitions one topic may have (default 1,024; INVALID_PARTITION_COUNT, 400). */
  readonly maxPartitions?: number;
  /** Most records in one produce request (default 10,000; INVALID_RECORD, 400). */
  readonly maxRecordsPerRequest?: number;
  /** How long a compacted topic keeps a latest tombstone when its config does not say (default 1 day). */
  readonly defaultDeleteRetentionMs?: number;
  /** Null-key records stay on one partition until this many bytes went there (Kafka's batch.size; default 16 KiB). */
  readonly stickyBatchBytes?: number;
  /** After a failed state write, how long before the state is replayed again (default 5 s). */
  readonly recoverAfterMs?: number;
  readonly compaction?: CompactionSettings;
}

export interface CompactionSettings {
  /** How often the compactor looks for work (default 1 s). */
  readonly intervalMs?: number;
  /** Bytes it reads per tick over all partitions: its share of the disk (default 32 MiB). */
  readonly bytesPerTick?: number;
  /** A pass starts once this share of a partition's whole units is new since the last pass (default 0.5). */
  readonly minDirtyRatio?: number;
  /** Most keys a pass remembers; past them it stops short and the next pass goes on (default 1,000,000). */
  readonly maxKeysPerPass?: number;
}

export type ResolvedTopicSettings = Required<Omit<TopicSettings, "compaction">> & {
  readonly compaction: Required<CompactionSettings>;
};

export const TOPIC_DEFAULTS: ResolvedTopicSettings = {
  pathPrefix: "topics",
  maxTopics: 10_000,
  maxPartitions: 1024,
  maxRecordsPerRequest: 10_000,
  defaultDeleteRetentionMs: 86_400_000,
  stickyBatchBytes: 16 * 1024,
  recoverAfterMs: 5000,
  compaction: { intervalMs: 1000, bytesPerTick: 32 << 20, minDirtyRatio: 0.5, maxKeysPerPass: 1_000_000 },
};

const PREFIX_PATTERN = /^[a-zA-Z0-9._-]+(\/[a-zA-Z0-9._-]+)*$/;

export function resolveTopicSettings(settings: TopicSettings | undefined): ResolvedTopicSettings {
  const resolved: ResolvedTopicSettings = {
    ...TOPIC_DEFAULTS,
    ...definedOnly(settings ?? {}),
    compaction: { ...TOPIC_DEFAULTS.compaction, ...definedOnly(settings?.compaction ?? {}) },
  } as ResolvedTopicSettings;
  const prefix = resolved.pathPrefix;
  if (!PREFIX_PATTERN.test(prefix) || prefix.split("/").some((s) => s === "." || s === ".." || s === "__ds")) {
    throw new Error(
      `topics.pathPrefix must be path segments of a-z A-Z 0-9 . _ - (not __ds): ${JSON.stringify(prefix)}`,
    );
  }
  for (const [name, value] of [
    ["maxTopics", resolved.maxTopics],
    ["maxPartitions", resolved.maxPartitions],
    ["maxRecordsPerRequest", resolved.maxRecordsPerRequest],
    ["stickyBatchBytes", resolved.stickyBatchBytes],
    ["recoverAfterMs", resolved.recoverAfterMs],
    ["compaction.intervalMs", resolved.compaction.intervalMs],
    ["compaction.bytesPerTick", resolved.compaction.bytesPerTick],
    ["compaction.maxKeysPerPass", resolved.compaction.maxKeysPerPass],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`topics.${name} must be a positive integer`);
  }
  if (!Number.isSafeInteger(resolved.defaultDeleteRetentionMs) || resolved.defaultDeleteRetentionMs < 0) {
    throw new Error("topics.defaultDeleteRetentionMs must be a non-negative integer");
  }
  const ratio = resolved.compaction.minDirtyRatio;
  if (!(ratio >= 0 && ratio <= 1)) throw new Error("topics.compaction.minDirtyRatio must be from 0 to 1");
  return resolved;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
