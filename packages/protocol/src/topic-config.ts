/**
 * Topic names and configurations (docs/kafka-layer.md, "Topics"): what a create body and an
 * alter patch may say, with the defaults filled in, so two creates of one topic compare as
 * equal exactly when they ask for the same thing. Pure.
 */
import { ProtocolError } from "./errors.js";

export type CleanupPolicy = "delete" | "compact";

export interface TopicConfig {
  readonly partitions: number;
  /** Partition streams are JSON: every message is one record envelope (topic-records.ts). */
  readonly contentType: "application/json";
  readonly cleanupPolicy: CleanupPolicy;
  /** Retention by age of `delete` topics; undefined: the server's default. */
  readonly retentionMs: number | undefined;
  /** Retention by size of `delete` topics; undefined: the server's default. */
  readonly retentionBytes: number | undefined;
  /** How long a compacted topic keeps a tombstone that is a key's latest record. */
  readonly deleteRetentionMs: number;
}

export interface TopicLimits {
  readonly maxPartitions: number;
  readonly defaultDeleteRetentionMs: number;
}

/** Kafka's rule: letters, digits, `.`, `_` and `-`, at most 249; `.` and `..` would be path segments. */
const NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

export function checkTopicName(name: string): void {
  if (!NAME_PATTERN.test(name) || name === "." || name === "..") {
    throw new ProtocolError(
      "INVALID_TOPIC_NAME",
      `A topic name is 1 to 249 of a-z A-Z 0-9 . _ - (not . or ..): ${JSON.stringify(name)}`,
    );
  }
  if (name.startsWith("__")) {
    throw new ProtocolError("INVALID_TOPIC_NAME", `Topic names starting with __ are reserved: ${JSON.stringify(name)}`);
  }
}

const CREATE_FIELDS = [
  "partitions",
  "content_type",
  "cleanup_policy",
  "retention_ms",
  "retention_bytes",
  "delete_retention_ms",
] as const;
const PATCH_FIELDS = ["partitions", "cleanup_policy", "retention_ms", "retention_bytes", "delete_retention_ms"];

/** The configuration a create body asks for; every field is optional (one partition, `delete`). */
export function parseTopicConfig(body: unknown, limits: TopicLimits): TopicConfig {
  const fields = objectOf(body, CREATE_FIELDS);
  const contentType = fields.content_type ?? "application/json";
  if (contentType !== "application/json") {
    throw invalid("content_type must be application/json: partition streams hold JSON record envelopes");
  }
  return checked({
    partitions: fields.partitions === undefined ? 1 : partitionCount(fields.partitions, limits),
    contentType: "application/json",
    cleanupPolicy: policy(fields.cleanup_policy ?? "delete"),
    retentionMs: optionalAmount("retention_ms", fields.retention_ms),
    retentionBytes: optionalAmount("retention_bytes", fields.retention_bytes),
    deleteRetentionMs:
      fields.delete_retention_ms === undefined
        ? limits.defaultDeleteRetentionMs
        : amount("delete_retention_ms", fields.delete_retention_ms),
  });
}

/**
 * An alter: a JSON merge patch (RFC 7396) of the settings. `null` puts a retention setting
 * back to the server's default (and `delete_retention_ms` to the default delay). Partitions
 * only grow: records of a key go to another partition once the count changes.
 */
export function patchTopicConfig(current: TopicConfig, patch: unknown, limits: TopicLimits): TopicConfig {
  const fields = objectOf(patch, PATCH_FIELDS);
  let partitions = current.partitions;
  if (fields.partitions !== undefined) {
    partitions = partitionCount(fields.partitions, limits);
    if (partitions < current.partitions) {
      throw new ProtocolError(
        "INVALID_PARTITION_COUNT",
        `Partitions only grow: the topic has ${current.partitions}, not fewer`,
      );
    }
  }
  const has = (name: string) => Object.hasOwn(fields, name);
  return checked({
    partitions,
    contentType: current.contentType,
    cleanupPolicy: has("cleanup_policy") ? policy(fields.cleanup_policy) : current.cleanupPolicy,
    retentionMs: has("retention_ms") ? optionalAmount("retention_ms", fields.retention_ms) : current.retentionMs,
    retentionBytes: has("retention_bytes")
      ? optionalAmount("retention_bytes", fields.retention_bytes)
      : current.retentionBytes,
    deleteRetentionMs: has("delete_retention_ms")
      ? fields.delete_retention_ms === null
        ? limits.defaultDeleteRetentionMs
        : amount("delete_retention_ms", fields.delete_retention_ms)
      : current.deleteRetentionMs,
  });
}

export function topicConfigsEqual(a: TopicConfig, b: TopicConfig): boolean {
  return (
    a.partitions === b.partitions &&
    a.contentType === b.contentType &&
    a.cleanupPolicy === b.cleanupPolicy &&
    a.retentionMs === b.retentionMs &&
    a.retentionBytes === b.retentionBytes &&
    a.deleteRetentionMs === b.deleteRetentionMs
  );
}

/** The configuration as the API shows it (and as create bodies say it). */
export function topicConfigJson(config: TopicConfig): Record<string, unknown> {
  return {
    partitions: config.partitions,
    content_type: config.contentType,
    cleanup_policy: config.cleanupPolicy,
    retention_ms: config.retentionMs ?? null,
    retention_bytes: config.retentionBytes ?? null,
    delete_retention_ms: config.deleteRetentionMs,
  };
}

/** A compacted topic keeps every key's latest record: deleting by age or size would lose keys. */
function checked(config: TopicConfig): TopicConfig {
  if (config.cleanupPolicy === "compact" && (config.retentionMs !== undefined || config.retentionBytes !== undefined)) {
    throw invalid("a compacted topic keeps every key's latest record: retention_ms and retention_bytes must be null");
  }
  return config;
}

function objectOf(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid("the topic configuration is a JSON object");
  }
  for (const name of Object.keys(body)) {
    if (!allowed.includes(name)) throw invalid(`unknown setting ${JSON.stringify(name)}`);
  }
  return body as Record<string, unknown>;
}

function partitionCount(value: unknown, limits: TopicLimits): number {
  if (!isCount(value) || value < 1 || value > limits.maxPartitions) {
    throw new ProtocolError(
      "INVALID_PARTITION_COUNT",
      `partitions must be an integer from 1 to ${limits.maxPartitions}: ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function policy(value: unknown): CleanupPolicy {
  if (value !== "delete" && value !== "compact") throw invalid('cleanup_policy must be "delete" or "compact"');
  return value;
}

function optionalAmount(name: string, value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : amount(name, value);
}

function amount(name: string, value: unknown): number {
  if (!isCount(value))
    throw invalid(`${name} must be a non-negative integer${name === "delete_retention_ms" ? "" : " or null"}`);
  return value;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function invalid(message: string): ProtocolError {
  return new ProtocolError("INVALID_TOPIC_CONFIG", message);
}
