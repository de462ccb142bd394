/**
 * A record on its way out: the caller's `{ value, key, headers, partition }` checked, its value
 * serialized, and its envelope `{key,value,headers,ts}` (docs/kafka-layer.md, "Records") built
 * as JSON text around the serializer's own text.
 */
import { utf8Length } from "@rivulet/client/producer";
import { invalid } from "../options.js";
import { type Serializer, serializeValue } from "../serialization.js";

export interface SendOptions {
  /** Chooses the partition (murmur2) and, on compacted topics, what compaction keeps. */
  key?: string | null;
  /** Record headers: string values (a dead-letter queue's `original-*`, a trace context). */
  headers?: Record<string, string>;
  /** This partition, whatever the key says. */
  partition?: number;
  /** The record's event time, ms since the epoch (default now). */
  timestamp?: number;
}

/** One record of `sendBatch`. */
export interface ProducerRecord<T = unknown> extends SendOptions {
  value: T;
}

/** Where a record landed. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /**
   * The record's offset in its partition stream (reading from it starts with the record).
   * Undefined only when the write was a retry the server already had (`duplicate`).
   */
  offset: string | undefined;
  /** The offset after the record: what a consumer commits once it processed it. */
  nextOffset: string | undefined;
  /** Its position in the partition counted from 0 — Kafka's integer offset. */
  seq: number | undefined;
  /** The append time the server gave it, ms since the epoch. */
  timestamp: number | undefined;
  /** The server had this write already (a retry after a lost answer): it landed once, earlier. */
  duplicate?: boolean;
}

export interface EncodedRecord {
  key: string | null;
  partition: number | undefined;
  /** The envelope's JSON text. */
  text: string;
  /** Its UTF-8 length. */
  bytes: number;
}

export function encodeRecord<T>(
  topic: string,
  value: T,
  options: SendOptions | undefined,
  serializer: Serializer<T>,
): EncodedRecord {
  const { key = null, headers = {}, partition, timestamp = Date.now() } = options ?? {};
  if (key !== null && typeof key !== "string") throw invalid("key", `must be a string or null, got ${typeof key}`);
  if (partition !== undefined && (!Number.isInteger(partition) || partition < 0)) {
    throw invalid("partition", `must be a whole number ≥ 0, got ${String(partition)}`);
  }
  if (!Number.isFinite(timestamp)) throw invalid("timestamp", `must be ms since the epoch, got ${String(timestamp)}`);
  checkHeaders(headers);
  const valueText = serializeValue(serializer, value, topic);
  const text = `{"key":${JSON.stringify(key)},"value":${valueText},"headers":${JSON.stringify(headers)},"ts":${Math.trunc(timestamp)}}`;
  // Counted, not encoded: the producer encodes the whole batch once when it sends it.
  return { key, partition, text, bytes: utf8Length(text) };
}

function checkHeaders(headers: unknown): void {
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
    throw invalid("headers", "must be an object of string values");
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string") throw invalid("headers", `${name} must be a string, got ${typeof value}`);
  }
}
