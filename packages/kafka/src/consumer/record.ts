/**
 * A consumed record: the partition stream's message (a record envelope `{key, value, headers,
 * ts}`, docs/kafka-layer.md "Records") with the position the records view gives it, and the
 * calls that mark it finished and commit.
 */
import type { StreamRecord } from "@rivulet/client";
import type { DeserializeContext } from "./options.js";

export interface ConsumerRecord<T = unknown> {
  readonly topic: string;
  readonly partition: number;
  /** The record's own offset in its partition stream: reading from here delivers it first. */
  readonly offset: string;
  /** The offset after it: what a commit covering this record stores. */
  readonly nextOffset: string;
  /** Its position in the partition, counted from 0 (Kafka's integer offset). */
  readonly seq: number;
  readonly key: string | null;
  readonly value: T;
  /** When the server appended it (ms since the epoch). */
  readonly timestamp: number;
  /** The producer's event time, the envelope's `ts` (ms since the epoch), when it gave one. */
  readonly eventTime: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Marks the record finished and commits everything finished in its partition, up to and
   * including it when nothing before it is still being processed. Resolves once committed.
   */
  commit(): Promise<void>;
  /** As `commit()`, without waiting: the commit is sent in the background (a failure is retried with the next). */
  commitAsync(): void;
}

/** What the consumer does when a record is committed. */
export interface RecordOwner {
  commit(record: DeliveredRecord): Promise<void>;
  commitAsync(record: DeliveredRecord): void;
}

/** A record as handed out, with its number in its partition's completion tracker. */
export interface DeliveredRecord<T = unknown> extends ConsumerRecord<T> {
  /** The envelope's value as the stream holds it, before the deserializer (what a dead letter carries). */
  readonly rawValue: unknown;
  /** Set when the record is handed out; undefined before. */
  item: number | undefined;
  /** The assignment generation of its partition it was fetched in (a revoked partition's records are stale). */
  readonly generation: number;
}

interface Envelope {
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
  ts: number | undefined;
}

/** A message that is not an envelope is a record without a key whose value is the message (the envelope is a convention). */
export function envelopeOf(message: unknown): Envelope {
  if (typeof message !== "object" || message === null || Array.isArray(message) || !("value" in message)) {
    return { key: null, value: message, headers: {}, ts: undefined };
  }
  const fields = message as Record<string, unknown>;
  return {
    key: typeof fields.key === "string" ? fields.key : null,
    value: fields.value,
    headers: stringHeaders(fields.headers),
    ts: typeof fields.ts === "number" ? fields.ts : undefined,
  };
}

function stringHeaders(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null) return {};
  const out: Record<string, string> = {};
  for (const [name, header] of Object.entries(value)) if (typeof header === "string") out[name] = header;
  return out;
}

export function makeRecord<T>(
  topic: string,
  partition: number,
  generation: number,
  read: StreamRecord,
  deserialize: (value: unknown, context: DeserializeContext) => T,
  owner: RecordOwner,
): DeliveredRecord<T> {
  const envelope = envelopeOf(read.value);
  const value = deserialize(envelope.value, { topic, partition, key: envelope.key, headers: envelope.headers });
  const record: DeliveredRecord<T> = {
    topic,
    partition,
    offset: read.offset,
    nextOffset: read.nextOffset,
    seq: read.seq,
    key: envelope.key,
    value,
    timestamp: read.timestamp,
    eventTime: envelope.ts,
    headers: envelope.headers,
    rawValue: envelope.value,
    item: undefined,
    generation,
    commit: () => owner.commit(record),
    commitAsync: () => owner.commitAsync(record),
  };
  return record;
}
