/**
 * `kafka.producer(topic)`: `send(value, { key, headers, partition })` resolves with where the
 * record landed. Records are partitioned here (murmur2 for keys, sticky for keyless ones),
 * framed as record envelopes and handed to the topic sender, which sends every partition's
 * records of a linger window as one idempotent request (`batchBytes` per partition,
 * `lingerMs`), pipelines and retries without ever writing a record twice.
 */
import type { KafkaContext } from "../context.js";
import { KafkaError, MessageTooLargeError, PartitionNotFoundError } from "../errors.js";
import { invalid } from "../options.js";
import { choosePartition, StickyPartitioner } from "../partitioner.js";
import { JSON_SERDE, type Serializer } from "../serialization.js";
import { checkTopicName } from "../topic-metadata.js";
import { type ProducerOptions, type ResolvedProducerOptions, resolveProducerOptions } from "./producer-options.js";
import {
  type EncodedRecord,
  encodeRecord,
  type ProducerRecord,
  type RecordMetadata,
  type SendOptions,
} from "./record.js";
import type { RecordAnswer } from "./share.js";
import { TopicSender } from "./topic-sender.js";

export class Producer<T = unknown> {
  readonly topic: string;
  readonly options: ResolvedProducerOptions;
  readonly #kafka: KafkaContext;
  readonly #serializer: Serializer<T>;
  readonly #sender: TopicSender;
  readonly #sticky: StickyPartitioner;
  readonly #pending = new Set<Promise<unknown>>();
  #closed: Promise<void> | undefined;

  constructor(kafka: KafkaContext, topic: string, options: ProducerOptions<T> = {}) {
    this.topic = checkTopicName(topic);
    this.#kafka = kafka;
    this.options = resolveProducerOptions(options as ProducerOptions<unknown>, kafka.http.options);
    this.#serializer = options.serializer ?? (JSON_SERDE as Serializer<T>);
    this.#sender = new TopicSender(kafka.http, this.topic, this.options);
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
    await this.#sender.flush();
    const outcomes = await Promise.allSettled([...this.#pending]);
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** Flushes, then stops: later sends are refused. Calling it again waits for the same close. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.flush();
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
    let partition: number | undefined;
    try {
      if (this.#closed) throw new KafkaError("PRODUCER_CLOSED", `The producer of topic ${this.topic} is closed`);
      const { topics } = this.#kafka;
      const layout =
        record.partition === undefined
          ? await topics.layout(this.topic)
          : await topics.withPartition(this.topic, record.partition);
      partition = choosePartition(record, layout.partitions, this.#sticky, record.bytes);
      return await this.#append(record, partition);
    } catch (error) {
      this.#kafka.events.emit({ type: "send-failed", topic: this.topic, partition, records: 1, error: error as Error });
      throw error;
    }
  }

  /** Queues the record for its partition's share of the next request and waits for its answer. */
  #append(record: EncodedRecord, partition: number): Promise<RecordMetadata> {
    const { topics, events, tracing } = this.#kafka;
    const attributes = {
      "messaging.destination.name": this.topic,
      "messaging.destination.partition.id": String(partition),
    };
    const started = Date.now();
    return tracing.span("send", attributes, async () => {
      if (record.bytes > this.options.batchBytes) {
        throw new MessageTooLargeError(
          "MESSAGE_TOO_LARGE",
          `A record of ${record.bytes} bytes exceeds batchBytes (${this.options.batchBytes}) (topic ${this.topic}, partition ${partition})`,
        );
      }
      // The request form of the envelope: the same text with the partition the record goes to.
      const wire = `{"partition":${partition},${record.text.slice(1)}`;
      try {
        const answer = await new Promise<RecordAnswer>((resolve, reject) => {
          this.#sender.add(partition, { wire, bytes: record.bytes, resolve, reject });
        });
        events.emit({
          type: "send",
          topic: this.topic,
          partition,
          records: 1,
          durationMs: Date.now() - started,
          duplicate: answer.duplicate === true,
        });
        return {
          topic: this.topic,
          partition,
          offset: answer.offset,
          nextOffset: answer.next_offset,
          seq: answer.seq,
          timestamp: answer.timestamp,
          ...(answer.duplicate ? { duplicate: true } : {}),
        };
      } catch (error) {
        // The topic may have changed under us (recreated, grown): ask again next time.
        if (error instanceof PartitionNotFoundError) void topics.refresh(this.topic).catch(() => undefined);
        throw error;
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
