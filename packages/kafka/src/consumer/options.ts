/**
 * The options of `kafka.consumer(topic, { group, … })` and `kafka.batchConsumer(…)`, their
 * defaults, and the checks that refuse values that cannot work (INVALID_ARGUMENT naming the
 * option) before anything is sent.
 */
import { type KafkaError, SerializationError } from "../errors.js";
import { invalid } from "../options.js";
import { type Deserializer, deserializeValue } from "../serialization.js";

/** Where a partition without a committed offset starts: its earliest record, its tail, or the first record appended at or after a time. */
export type OffsetPolicy = "earliest" | "latest" | Date;

/** A partition of a topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * Turns a record's value into what the application sees: a `Deserializer` of the SDK's
 * serialization (`deserialize(text)`, e.g. `jsonSerializer(schema)`, given the value's JSON
 * text), or a function of the value as JSON decoded it.
 */
export type ValueDeserializer<T> = Deserializer<T> | ((value: unknown, context: DeserializeContext) => T);

export interface DeserializeContext {
  readonly topic: string;
  readonly partition: number;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** What the consumer tells an `onEvent` hook: commits, rebalances, offset resets, recovered failures. */
export type ConsumerEvent =
  | { type: "consumer:assigned"; group: string; partitions: TopicPartition[] }
  | { type: "consumer:revoked"; group: string; partitions: TopicPartition[]; lost: boolean }
  | { type: "consumer:commit"; group: string; offsets: CommittedPosition[] }
  | { type: "consumer:offset-reset"; group: string; topic: string; partition: number; from: string; reason: string }
  | { type: "consumer:rejoin"; group: string; code: string }
  | { type: "consumer:error"; group: string; error: KafkaError };

export interface CommittedPosition extends TopicPartition {
  /** The offset committed: the next record to process. */
  readonly offset: string;
}

export interface ConsumerOptions<T = unknown> {
  /** The consumer group (1–249 of `A-Z a-z 0-9 . _ -`). */
  group: string;
  /** Where partitions without a committed offset start (default `"latest"`, as Kafka's `auto.offset.reset`). */
  offset?: OffsetPolicy;
  /**
   * A record is finished when the loop asks for the next one (or `record.commit()` is called,
   * or its handler returns in `process()`); commits only ever cover finished records.
   * `true` (default): finished records are committed every `autoCommitIntervalMs`, before a
   * partition is given up, and on close. `false`: only `record.commit()`,
   * `record.commitAsync()`, `batch.commit()` and `consumer.commit()` send commits
   * (`process()` always commits as handlers finish).
   */
  autoCommit?: boolean;
  /** Default 5,000 ms. */
  autoCommitIntervalMs?: number;
  /** Most records fetched and held ahead of the application, per partition (default 500). */
  maxPollRecords?: number;
  /**
   * Stop consuming when no heartbeat succeeded for this long (default: the server's session
   * timeout, which it sets; a shorter value here wins). The server removes the member then.
   */
  sessionTimeoutMs?: number;
  /** Heartbeat at least this often (default: the server's interval; a shorter value here wins). */
  heartbeatIntervalMs?: number;
  /**
   * The longest one fetch (a long-poll of the records view) stays open before it is sent
   * again (default 60 s). The server answers sooner when records arrive.
   */
  fetchMaxWaitMs?: number;
  /** How long a member may take to give partitions up (1,000 ms to the server's maximum; default the server's). */
  rebalanceTimeoutMs?: number;
  /**
   * Static membership (docs/kafka-layer.md): a stable name for this process (a pod name, say).
   * `close()` then leaves "for now": its partitions stay reserved for the instance id until the
   * session timeout, and a restarted process with the same id takes them over without a
   * rebalance. While one member holds the id, another join with it waits (UNRELEASED_INSTANCE_ID).
   */
  instanceId?: string;
  /** Called with the partitions given to this member, before they are fetched. */
  onAssigned?: (partitions: TopicPartition[]) => void | Promise<void>;
  /** Called with partitions taken away, after their finished records were committed and before they are released. */
  onRevoked?: (partitions: TopicPartition[]) => void | Promise<void>;
  /** Turns each value into `T` (default: the JSON value as it is). A failure is a `SerializationError`. */
  deserializer?: ValueDeserializer<T>;
  /** Commits, rebalances, offset resets and recovered failures, as they happen. */
  onEvent?: (event: ConsumerEvent) => void;
  /** Aborting it closes the consumer (committing finished work and leaving the group). */
  signal?: AbortSignal;
}

export interface ResolvedConsumerOptions<T> {
  group: string;
  offset: OffsetPolicy;
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  maxPollRecords: number;
  sessionTimeoutMs: number | undefined;
  heartbeatIntervalMs: number | undefined;
  fetchMaxWaitMs: number | undefined;
  rebalanceTimeoutMs: number | undefined;
  instanceId: string | undefined;
  onAssigned: ((partitions: TopicPartition[]) => void | Promise<void>) | undefined;
  onRevoked: ((partitions: TopicPartition[]) => void | Promise<void>) | undefined;
  deserialize: (value: unknown, context: DeserializeContext) => T;
  onEvent: (event: ConsumerEvent) => void;
  signal: AbortSignal | undefined;
}

const GROUP_ID = /^[A-Za-z0-9._-]{1,249}$/;
const INSTANCE_ID = /^[A-Za-z0-9._-]{1,249}$/;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** The topics asked for, checked: one name or a non-empty list of distinct names. */
export function resolveTopics(topics: unknown): string[] {
  const list = Array.isArray(topics) ? topics : [topics];
  if (list.length === 0) throw invalid("topic", "must name at least one topic");
  for (const topic of list) {
    if (typeof topic !== "string" || !TOPIC_NAME.test(topic) || topic === "." || topic === "..") {
      throw invalid("topic", `must be 1-249 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(topic)}`);
    }
  }
  if (new Set(list).size !== list.length) throw invalid("topic", "names a topic twice");
  return list as string[];
}

export function resolveConsumerOptions<T>(options: ConsumerOptions<T> | undefined): ResolvedConsumerOptions<T> {
  if (typeof options !== "object" || options === null) throw invalid("options", "must be an object with a group");
  const { group } = options;
  if (typeof group !== "string" || !GROUP_ID.test(group)) {
    throw invalid("group", `must be 1-249 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(group)}`);
  }
  return {
    group,
    offset: offsetPolicy(options.offset),
    autoCommit: flag("autoCommit", options.autoCommit, true),
    autoCommitIntervalMs: whole("autoCommitIntervalMs", options.autoCommitIntervalMs, 1) ?? 5_000,
    maxPollRecords: whole("maxPollRecords", options.maxPollRecords, 1) ?? 500,
    sessionTimeoutMs: whole("sessionTimeoutMs", options.sessionTimeoutMs, 1),
    heartbeatIntervalMs: whole("heartbeatIntervalMs", options.heartbeatIntervalMs, 1),
    fetchMaxWaitMs: whole("fetchMaxWaitMs", options.fetchMaxWaitMs, 1),
    rebalanceTimeoutMs: whole("rebalanceTimeoutMs", options.rebalanceTimeoutMs, 1_000),
    instanceId: instanceIdOf(options.instanceId),
    onAssigned: callback("onAssigned", options.onAssigned),
    onRevoked: callback("onRevoked", options.onRevoked),
    deserialize: deserializerOf(options.deserializer),
    onEvent: callback("onEvent", options.onEvent) ?? (() => {}),
    signal: options.signal,
  };
}

function instanceIdOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !INSTANCE_ID.test(value)) {
    throw invalid("instanceId", `must be 1-249 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(value)}`);
  }
  return value;
}

function offsetPolicy(value: unknown): OffsetPolicy {
  if (value === undefined) return "latest";
  if (value === "earliest" || value === "latest") return value;
  if (value instanceof Date && Number.isFinite(value.getTime())) return value;
  throw invalid("offset", `must be "earliest", "latest" or a valid Date, got ${JSON.stringify(value)}`);
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalid(name, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

export function whole(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw invalid(name, `must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function callback<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== "function") throw invalid(name, "must be a function");
  return value;
}

function deserializerOf<T>(
  deserializer: ValueDeserializer<T> | undefined,
): (value: unknown, context: DeserializeContext) => T {
  if (deserializer === undefined) return (value) => value as T;
  if (typeof deserializer === "object" && deserializer !== null && typeof deserializer.deserialize === "function") {
    return (value, context) =>
      deserializeValue(deserializer, JSON.stringify(value) ?? "null", `${context.topic}/${context.partition}`);
  }
  if (typeof deserializer !== "function") {
    throw invalid("deserializer", "must be a function or an object with deserialize(text)");
  }
  return (value, context) => {
    try {
      return deserializer(value, context);
    } catch (cause) {
      if (cause instanceof SerializationError) throw cause;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new SerializationError(
        "SERIALIZATION_FAILED",
        `The value of ${context.topic}/${context.partition} could not be deserialized: ${reason}`,
        { cause },
      );
    }
  };
}
