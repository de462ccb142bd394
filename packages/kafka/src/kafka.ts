/**
 * The entry object: `new Kafka({ url, token, timeoutMs, retries })`. It holds the connection
 * settings; producers, consumers, transactions and admin are made from it.
 */
import { Admin } from "./admin/admin.js";
import { BatchConsumer, type BatchConsumerOptions, batchSettings } from "./consumer/batch-consumer.js";
import { Consumer } from "./consumer/consumer.js";
import { type ConsumerOptions, resolveConsumerOptions, resolveTopics } from "./consumer/options.js";
import type { KafkaContext } from "./context.js";
import { KafkaHttp } from "./http.js";
import type { KafkaLike } from "./kafka-like.js";
import { KafkaEvents } from "./observability/events.js";
import { Tracing } from "./observability/tracing.js";
import { type KafkaOptions, resolveKafkaOptions } from "./options.js";
import { createPipeline } from "./pipeline/create.js";
import type { PipelineOptions } from "./pipeline/options.js";
import type { Pipeline } from "./pipeline/pipeline.js";
import { Producer } from "./producer/producer.js";
import type { ProducerOptions } from "./producer/producer-options.js";
import { globalTable, type StreamOptions, sourceStream } from "./streams/source.js";
import type { GlobalTable, Stream } from "./streams/stream.js";
import { TopicMetadata } from "./topic-metadata.js";
import {
  runTransaction,
  type TransactionFn,
  type TransactionOptions,
  type TransactionResult,
} from "./transaction/transaction.js";
import { TransactionWriter } from "./transaction/writer.js";

export class Kafka implements KafkaContext, KafkaLike {
  /** The connection every producer, consumer and admin made from this object shares. */
  readonly http: KafkaHttp;
  /** Where events go: the `onEvent` hook and the `rivulet:kafka:*` diagnostics channels. */
  readonly events: KafkaEvents;
  readonly tracing: Tracing;
  /** Topic layouts (partition counts and paths), described once and refreshed when one is missing. */
  readonly topics: TopicMetadata;
  readonly #transactions: TransactionWriter;

  constructor(options: KafkaOptions = {}) {
    this.http = new KafkaHttp(resolveKafkaOptions(options));
    this.events = new KafkaEvents(this.http.options.onEvent);
    this.tracing = new Tracing(this.http.options.tracer);
    this.topics = new TopicMetadata(this.http);
    this.#transactions = new TransactionWriter(this.http);
  }

  /** A producer for `topic`: `send(value, { key, headers, partition })` → where it landed. */
  producer<T = unknown>(topic: string, options: ProducerOptions<T> = {}): Producer<T> {
    return new Producer<T>(this, topic, options);
  }

  /**
   * Runs `fn` with a transaction over `topics`: its sends (and offset commit) are written all
   * together when `fn` returns, or not at all if it throws.
   */
  transaction<R>(
    topics: string | readonly string[],
    fn: TransactionFn<R>,
    options?: TransactionOptions,
  ): Promise<TransactionResult<R>> {
    return runTransaction(this, this.#transactions, topics, fn, options);
  }

  /** Topics and groups: create, list, describe, alter, delete, reset offsets. */
  admin(): Admin {
    return new Admin(this);
  }

  /**
   * A member of consumer group `options.group` reading `topic` (or several): iterate it
   * (`for await (const record of consumer)`), or `process()` records concurrently. Bad options
   * throw INVALID_ARGUMENT here; a missing topic rejects the first iteration (TopicNotFoundError).
   */
  consumer<T = unknown>(topic: string | readonly string[], options: ConsumerOptions<T>): Consumer<T> {
    return new Consumer<T>(this.http, resolveTopics(topic), resolveConsumerOptions(options), this.events);
  }

  /** A consumer that yields batches of up to `maxBatchSize` records, or what came within `maxWaitMs` of a batch's first record. */
  batchConsumer<T = unknown>(topic: string | readonly string[], options: BatchConsumerOptions<T>): BatchConsumer<T> {
    const settings = batchSettings(options as BatchConsumerOptions<unknown>);
    return new BatchConsumer<T>(this.consumer<T>(topic, options), settings);
  }

  /**
   * A Broadway-style pipeline on a consumer of `topic`: `handleMessage` per record (up to
   * `processors.concurrency` at once), then batches by size or timeout to `handleBatch`, with
   * bounded demand, per-key order, retries, dead letters and `drain()`. `run()` starts it.
   */
  pipeline<T = unknown>(topic: string | readonly string[], options: PipelineOptions<T>): Pipeline<T> {
    return createPipeline<T>((consumerOptions) => this.consumer<T>(topic, consumerOptions), options);
  }

  /**
   * A stream-processing application reading `topic`: `filter`, `map`, `groupBy(…).window(…).count()`,
   * `to(topic)`… (README "Stream processing"). A terminal operation starts it and returns its
   * handle; `options.applicationId` is its consumer group and the prefix of its internal topics.
   */
  stream<V = unknown>(topic: string, options: StreamOptions): Stream<V> {
    return sourceStream<V>(this, topic, options);
  }

  /** A compacted topic each instance of application `options.applicationId` reads whole, for `stream.joinTable(table, …)`. */
  globalTable<T = unknown>(topic: string, options: StreamOptions): GlobalTable<T> {
    return globalTable<T>(this, topic, options);
  }
}
