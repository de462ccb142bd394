/** `kafka.producer(topic, options)`: batching, compression, retries and the value serializer. */
import { invalid } from "../options.js";
import type { Serializer } from "../serialization.js";

export interface ProducerOptions<T = unknown> {
  /** A partition's batch is sent once it would pass this many bytes (default 1 MiB); a larger record is refused. */
  batchBytes?: number;
  /** How long a partition's batch waits for more records before it is sent, in ms (default 5). */
  lingerMs?: number;
  /** `gzip` compresses request bodies (the server accepts `Content-Encoding: gzip`). Default `none`. */
  compression?: "gzip" | "none";
  /** Retries of a failed batch (default the Kafka object's `retries`); a retry never writes twice. */
  retries?: number;
  /** Base of the backoff between retries, in ms (default the Kafka object's `retryBackoffMs`). */
  retryBackoffMs?: number;
  /** Batches in flight per partition at once (default 5). */
  maxInFlight?: number;
  /** Turns values into JSON text (default JSON; `jsonSerializer(schema)` validates). */
  serializer?: Serializer<T>;
  /** Keyless records stay on one partition until this many bytes went there (default 16 KiB, KIP-480). */
  stickyBatchBytes?: number;
}

export interface ResolvedProducerOptions {
  batchBytes: number;
  lingerMs: number;
  compression: "gzip" | "none";
  retries: number;
  retryBackoffMs: number;
  maxInFlight: number;
  stickyBatchBytes: number;
}

export function resolveProducerOptions(
  options: ProducerOptions<unknown>,
  defaults: { retries: number; retryBackoffMs: number },
): ResolvedProducerOptions {
  if (typeof options !== "object" || options === null) throw invalid("options", "must be an object");
  const compression = options.compression ?? "none";
  if (compression !== "gzip" && compression !== "none") {
    throw invalid("compression", `must be "gzip" or "none", got ${JSON.stringify(compression)}`);
  }
  if (options.serializer !== undefined && typeof options.serializer?.serialize !== "function") {
    throw invalid("serializer", "must have serialize(value)");
  }
  return {
    batchBytes: whole("batchBytes", options.batchBytes ?? 1 << 20, 1),
    lingerMs: whole("lingerMs", options.lingerMs ?? 5, 0),
    compression,
    retries: whole("retries", options.retries ?? defaults.retries, 0),
    retryBackoffMs: whole("retryBackoffMs", options.retryBackoffMs ?? defaults.retryBackoffMs, 1),
    maxInFlight: whole("maxInFlight", options.maxInFlight ?? 5, 1),
    stickyBatchBytes: whole("stickyBatchBytes", options.stickyBatchBytes ?? 16_384, 1),
  };
}

function whole(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw invalid(name, `must be a whole number ≥ ${min}, got ${String(value)}`);
  return value;
}
