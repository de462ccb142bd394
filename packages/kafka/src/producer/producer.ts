/**
 * `kafka.producer(topic)`: `send(value, { key, headers, partition })` resolves with where the
 * record landed. Records are partitioned here (murmur2 for keys, sticky for keyless ones),
 * framed as record envelopes and handed to the partition's idempotent producer, which batches
 * (`batchBytes`, `lingerMs`), pipelines and retries without ever writing a record twice.
 */
import { isStreamError } from "@rivulet/client";
import { JsonText } from "@rivulet/client/producer";
import { KafkaError, PartitionNotFoundError } from "../errors.js";
import type { Kafka } from "../kafka.js";
import { invalid } from "../options.js";
import { choosePartition, StickyPartitioner } from "../partitioner.js";
import { JSON_SERDE, type Serializer } from "../serialization.js";
import { checkTopicName } from "../topic-metadata.js";
import { PartitionWriters } from "./partition-writers.js";
import { type ProducerOptions, type ResolvedProducerOptions, resolveProducerOptions } from "./producer-options.js";
import {
  type EncodedRecord,
  encodeRecord,
  type ProducerRecord,
  type RecordMetadata,
  type SendOptions,
} from "./record.js";
import { recordOffsets } from "./record-offset.js";
import { kafkaErrorOf } from "./stream-errors.js";

export class Producer<T = unknown> {
  readonly topic: string;
  readonly options: ResolvedProducerOptions;
  readonly #kafka: Kafka;
  readonly #serializer: Serializer<T>;
  readonly #writers: PartitionWriters;
  readonly #sticky: StickyPartitioner;
  readonly #pending = new Set<Promise<unknown>>();
  #closed: Promise<void> | undefined;

  constructor(kafka: Kafka, topic: string, options: ProducerOptions<T> = {}) {
    this.topic = checkTopicName(topic);
    this.#kafka = kafka;
    this.options = resolveProducerOptions(options as ProducerOptions<unknown>, kafka.http.options);
    this.#serializer = options.serializer ?? (JSON_SERDE as Serializer<T>);
    this.#writers = new PartitionWriters(kafka.http, this.options);
    this.#sticky = new StickyPartitioner(this.options.stickyBatchBytes);
  }

  /** Sends one record; resolves once the server has it, with its partition, offset, seq and time. */
  send(value: T, options?: SendOptions): Promise<RecordMetadata> {
    return this.#track(this.#send(value, options));
  }

  /** Sends records together (each partition's share in as few requests as fit); resolves in input order. */
  sendBatch(records: readonly ProducerRecord<T>[]): Promise<RecordMetadata[]> {
    if (!Array.isArray(records))
      return Promise.reject(invalid("records", "must be an array of { value, key, headers, partition }"));
    return this.#track(
      (async () => {
        // Serialize everything first: one bad record fails the batch before any is sent.
        const encoded = records.map((record, i) => {
          if (typeof record !== "object" || record === null || !("value" in record)) {
            throw invalid(`records[${i}]`, "must be an object with a value");
          }
          return encodeRecord(this.topic, record.value, record, this.#serializer);
        });
        const results = encoded.map((record) => this.#write(record));
        return Promise.all(results);
      })(),
    );
  }

  /** Waits for every record sent so far; rejects if any of them failed. */
  async flush(): Promise<void> {
    await Promise.all(this.#writers.all.map((writer) => writer.flush().catch(() => undefined)));
    const outcomes = await Promise.allSettled([...this.#pending]);
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** Flushes, then stops: later sends are refused. Calling it again waits for the same close. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      try {
        await this.flush();
      } finally {
        await Promise.allSettled(this.#writers.all.map((writer) => writer.close()));
      }
    })();
    return this.#closed;
  }

  /** `await using producer = kafka.producer("orders")` closes it at the end of the block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #send(value: T, options: SendOptions | undefined): Promise<RecordMetadata> {
    return this.#write(encodeRecord(this.topic, value, options, this.#serializer));
  }

  async #write(record: EncodedRecord): Promise<RecordMetadata> {
    if (this.#closed) throw new KafkaError("PRODUCER_CLOSED", `The producer of topic ${this.topic} is closed`);
    const { topics, events, tracing } = this.#kafka;
    const layout =
      record.partition === undefined
        ? await topics.layout(this.topic)
        : await topics.withPartition(this.topic, record.partition);
    const partition = choosePartition(record, layout.partitions, this.#sticky, record.bytes);
    const path = layout.paths[partition]!;
    const attributes = {
      "messaging.destination.name": this.topic,
      "messaging.destination.partition.id": String(partition),
    };
    const started = Date.now();
    return tracing.span("send", attributes, async () => {
      const writer = this.#writers.writer(path);
      try {
        const receipt = await writer.appendWithReceipt(new JsonText(record.text));
        const recordsFromHere = receipt.batchItems - receipt.index;
        events.emit({
          type: "send",
          topic: this.topic,
          partition,
          records: 1,
          durationMs: Date.now() - started,
          duplicate: receipt.duplicate,
        });
        return {
          topic: this.topic,
          partition,
          ...recordOffsets(receipt.nextOffset, receipt.bytesFromHere, recordsFromHere, record.bytes),
          seq: receipt.seq,
          timestamp: receipt.timestamp,
          ...(receipt.duplicate ? { duplicate: true } : {}),
        };
      } catch (error) {
        const failure = isStreamError(error) ? kafkaErrorOf(error, this.topic, partition) : error;
        if (writer.error !== undefined) this.#writers.drop(path, writer);
        // The topic may have changed under us (recreated, grown): ask again next time.
        if (failure instanceof PartitionNotFoundError) void topics.refresh(this.topic).catch(() => undefined);
        events.emit({ type: "send-failed", topic: this.topic, partition, records: 1, error: failure as Error });
        throw failure;
      }
    });
  }

  #track<R>(promise: Promise<R>): Promise<R> {
    this.#pending.add(promise);
    const forget = () => this.#pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}
