/**
 * The entry object: `new Kafka({ url, token, timeoutMs, retries })`. It holds the connection
 * settings; producers, consumers, transactions and admin are made from it.
 */
import { BatchConsumer, type BatchConsumerOptions, batchSettings } from "./consumer/batch-consumer.js";
import { Consumer } from "./consumer/consumer.js";
import { type ConsumerOptions, resolveConsumerOptions, resolveTopics } from "./consumer/options.js";
import { KafkaHttp } from "./http.js";
import { type KafkaOptions, resolveKafkaOptions } from "./options.js";

export class Kafka {
  /** The connection every producer, consumer and admin made from this object shares. */
  readonly http: KafkaHttp;

  constructor(options: KafkaOptions = {}) {
    this.http = new KafkaHttp(resolveKafkaOptions(options));
  }

  /**
   * A member of consumer group `options.group` reading `topic` (or several): iterate it
   * (`for await (const record of consumer)`), or `process()` records concurrently. Bad options
   * throw INVALID_ARGUMENT here; a missing topic rejects the first iteration (TopicNotFoundError).
   */
  consumer<T = unknown>(topic: string | readonly string[], options: ConsumerOptions<T>): Consumer<T> {
    return new Consumer<T>(this.http, resolveTopics(topic), resolveConsumerOptions(options));
  }

  /** A consumer that yields batches of up to `maxBatchSize` records, or what came within `maxWaitMs` of a batch's first record. */
  batchConsumer<T = unknown>(topic: string | readonly string[], options: BatchConsumerOptions<T>): BatchConsumer<T> {
    const settings = batchSettings(options as BatchConsumerOptions<unknown>);
    return new BatchConsumer<T>(this.consumer<T>(topic, options), settings);
  }
}
