/**
 * `kafka.producer(topic)`: `send(value, { key, headers, partition })` resolves with where the
 * record landed. Records are partitioned here (murmur2 for keys, sticky for keyless ones),
 * framed as record envelopes and handed to the topic sender, which sends every partition's
 * records of a linger window as one idempotent request (`batchBytes` per partition,
 * `lingerMs`), pipelines and retries without ever writing a record twice.
 *
 * Once the topic's layout is known and no tracer records spans, a record goes to the sender
 * in the same turn, with one promise per call (sinks.ts); otherwise it takes the way that
 * waits for the layout inside a span.
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
import type { AnswerSink, RecordAnswer } from "./share.js";
import { BatchSink, type Outcomes, SendSink } from "./sinks.js";
import { TopicSender } from "./topic-sender.js";

export class Producer<T = unknown> {
  readonly topic: string;
  readonly options: ResolvedProducerOptions;
  readonly #kafka: KafkaContext;
  readonly #serializer: Serializer<T>;
  readonly #sender: TopicSender;
  readonly #sticky: StickyPartitioner;
  /** Sends that took the waiting way, until they settle. */
  readonly #pending = new Set<Promise<unknown>>();
  /** Records failed so far, and the last failure: what flush() reports of the quick way. */
  #failures = 0;
  #lastFailure: Error | undefined;
  readonly #outcomes: Outcomes = {
    landed: (answer, startedMs) => this.#landed(answer, startedMs),
    failed: (error, partition) => this.#failed(error, partition),
  };
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
    let record: EncodedRecord;
    try {
      record = encodeRecord(this.topic, value, options, this.#serializer);
    } catch (error) {
      return Promise.reject(error);
    }
    const partitions = this.#readyPartitions(record);
    if (partitions === undefined) return this.#track(this.#write(record));
    const partition = choosePartition(record, partitions, this.#sticky, record.bytes);
    return new Promise((resolve, reject) => {
      this.#queue(record, partition, 0, new SendSink(this.#outcomes, partition, resolve, reject));
    });
  }

  /** Sends records together (each partition's share in as few requests as fit); resolves in input order. */
  sendBatch(records: readonly ProducerRecord<T>[]): Promise<RecordMetadata[]> {
    if (!Array.isArray(records))
      return Promise.reject(invalid("records", "must be an array of { value, key, headers, partition }"));
    let encoded: EncodedRecord[];
    try {
      // Serialize everything first: one bad record fails the batch before any is sent.
      encoded = records.map((record, i) => {
        if (typeof record !== "object" || record === null || !("value" in record)) {
          throw invalid(`records[${i}]`, "must be an object with a value");
        }
        return encodeRecord(this.topic, record.value, record, this.#serializer);
      });
    } catch (error) {
      return Promise.reject(error);
    }
    if (encoded.length === 0) return Promise.resolve([]);
    const ready = encoded.map((record) => this.#readyPartitions(record));
    if (ready.some((partitions) => partitions === undefined)) {
      return this.#track(Promise.all(encoded.map((record) => this.#write(record))));
    }
    const partitions = encoded.map((record, i) => choosePartition(record, ready[i]!, this.#sticky, record.bytes));
    return new Promise((resolve, reject) => {
      const sink = new BatchSink(this.#outcomes, partitions, resolve, reject);
      for (const [i, record] of encoded.entries()) this.#queue(record, partitions[i]!, i, sink);
    });
  }

  /** Waits for every record sent so far; rejects if any of them failed. */
  async flush(): Promise<void> {
    const failures = this.#failures;
    await this.#sender.flush();
    const outcomes = await Promise.allSettled([...this.#pending]);
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    if (this.#failures !== failures) throw this.#lastFailure;
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

  /**
   * The topic's partition count when the record may go to the sender in this turn: the
   * producer is open, the layout known (with the record's explicit partition in it) and no
   * span is to be recorded. Else undefined: the waiting way (#write).
   */
  #readyPartitions(record: EncodedRecord): number | undefined {
    if (this.#closed !== undefined || this.#kafka.tracing.active) return undefined;
    const layout = this.#kafka.topics.known(this.topic);
    if (layout === undefined || (record.partition !== undefined && record.partition >= layout.partitions)) {
      return undefined;
    }
    return layout.partitions;
  }

  /** The waiting way: the layout described (or refreshed) first, the send inside a span. */
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
    } catch (error) {
      this.#failed(error as Error, partition);
      throw error;
    }
    const chosen = partition;
    const attributes = {
      "messaging.destination.name": this.topic,
      "messaging.destination.partition.id": String(chosen),
    };
    return this.#kafka.tracing.span(
      "send",
      attributes,
      () =>
        new Promise<RecordMetadata>((resolve, reject) => {
          this.#queue(record, chosen, 0, new SendSink(this.#outcomes, chosen, resolve, reject));
        }),
    );
  }

  /** Queues the record for its partition's share of the next request; its sink learns the outcome. */
  #queue(record: EncodedRecord, partition: number, index: number, sink: AnswerSink): void {
    if (record.bytes > this.options.batchBytes) {
      const error = new MessageTooLargeError(
        "MESSAGE_TOO_LARGE",
        `A record of ${record.bytes} bytes exceeds batchBytes (${this.options.batchBytes}) (topic ${this.topic}, partition ${partition})`,
      );
      sink.failed(index, error);
      return;
    }
    // The request form of the envelope: the same text with the partition the record goes to.
    const wire = `{"partition":${partition},${record.text.slice(1)}`;
    this.#sender.add(partition, { wire, bytes: record.bytes, sink, index });
  }

  #landed(answer: RecordAnswer, startedMs: number): RecordMetadata {
    const { events } = this.#kafka;
    if (events.wants("send")) {
      events.emit({
        type: "send",
        topic: this.topic,
        partition: answer.partition,
        records: 1,
        durationMs: Date.now() - startedMs,
        duplicate: answer.duplicate === true,
      });
    }
    return {
      topic: this.topic,
      partition: answer.partition,
      offset: answer.offset,
      nextOffset: answer.next_offset,
      seq: answer.seq,
      timestamp: answer.timestamp,
      ...(answer.duplicate ? { duplicate: true } : {}),
    };
  }

  #failed(error: Error, partition: number | undefined): void {
    this.#failures++;
    this.#lastFailure = error;
    this.#kafka.events.emit({ type: "send-failed", topic: this.topic, partition, records: 1, error });
    // The topic may have changed under us (recreated, grown): ask again next time.
    if (error instanceof PartitionNotFoundError) void this.#kafka.topics.refresh(this.topic).catch(() => undefined);
  }

  #track<R>(promise: Promise<R>): Promise<R> {
    this.#pending.add(promise);
    const forget = () => this.#pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}
