/**
 * One idempotent producer (@rivulet/client/producer, PROTOCOL §5.2.1) per partition stream,
 * made when the partition is first written to. Batches are pipelined and every retry reuses its
 * (epoch, seq), so a record lands exactly once. A writer that failed (its partition's stream is
 * gone, a batch refused) is dropped, and the next record to that partition gets a new one.
 */
import { DurableStream } from "@rivulet/client";
import { IdempotentProducer } from "@rivulet/client/producer";
import type { KafkaHttp } from "../http.js";
import type { ResolvedProducerOptions } from "./producer-options.js";

export class PartitionWriters {
  readonly #writers = new Map<string, IdempotentProducer>();
  readonly #idPrefix = `kafka-${randomId()}`;

  constructor(
    private readonly http: KafkaHttp,
    private readonly options: ResolvedProducerOptions,
  ) {}

  /** The writer for a partition stream (path relative to the root), made on first use. */
  writer(path: string): IdempotentProducer {
    let writer = this.#writers.get(path);
    if (writer === undefined || writer.error !== undefined) {
      writer = this.#make(path);
      this.#writers.set(path, writer);
    }
    return writer;
  }

  get all(): IdempotentProducer[] {
    return [...this.#writers.values()];
  }

  /** Forgets a writer that failed, so the partition starts afresh. */
  drop(path: string, writer: IdempotentProducer): void {
    if (this.#writers.get(path) === writer) this.#writers.delete(path);
  }

  #make(path: string): IdempotentProducer {
    const { options } = this.http;
    const stream = new DurableStream({
      url: this.http.stream(path),
      contentType: "application/json",
      fetch: options.fetch,
      headers: {
        ...options.headers,
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      },
      timeoutMs: options.timeoutMs,
    });
    // A fresh id per writer: a writer replaced after a failure must not inherit the old one's seqs.
    return new IdempotentProducer(stream, `${this.#idPrefix}-${this.#writers.size}-${randomId()}`, {
      maxBatchBytes: this.options.batchBytes,
      lingerMs: this.options.lingerMs,
      maxInFlight: this.options.maxInFlight,
      compression: this.options.compression,
      retry: { maxRetries: this.options.retries, initialDelayMs: this.options.retryBackoffMs },
    });
  }
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
