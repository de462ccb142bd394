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
  /** The application gave it back, finished or not: it no longer counts as in progress (settling twice changes nothing). */
  released: boolean;
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

/**
 * A fetched record. A class rather than an object literal: its calls live once on the
 * prototype instead of as two closures per record, which a consumer making a hundred thousand
 * records a second pays for in the garbage collector (bench/results/profiles/kafka.md).
 */
class FetchedRecord<T> implements DeliveredRecord<T> {
  readonly offset: string;
  readonly nextOffset: string;
  readonly seq: number;
  readonly key: string | null;
  readonly value: T;
  readonly timestamp: number;
  readonly eventTime: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawValue: unknown;
  item: number | undefined = undefined;
  released = false;
  readonly #owner: RecordOwner;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly generation: number,
    read: StreamRecord,
    deserialize: (value: unknown, context: DeserializeContext) => T,
    owner: RecordOwner,
  ) {
    const envelope = envelopeOf(read.value);
    this.offset = read.offset;
    this.nextOffset = read.nextOffset;
    this.seq = read.seq;
    this.key = envelope.key;
    this.value = deserialize(envelope.value, { topic, partition, key: envelope.key, headers: envelope.headers });
    this.timestamp = read.timestamp;
    this.eventTime = envelope.ts;
    this.headers = envelope.headers;
    this.rawValue = envelope.value;
    this.#owner = owner;
  }

  commit(): Promise<void> {
    return this.#owner.commit(this);
  }

  commitAsync(): void {
    this.#owner.commitAsync(this);
  }
}

export function makeRecord<T>(
  topic: string,
  partition: number,
  generation: number,
  read: StreamRecord,
  deserialize: (value: unknown, context: DeserializeContext) => T,
  owner: RecordOwner,
): DeliveredRecord<T> {
  return new FetchedRecord(topic, partition, generation, read, deserialize, owner);
}
