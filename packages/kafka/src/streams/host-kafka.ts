/**
 * What a running stream application needs of the `Kafka` object that made it: an interface of
 * its own, so the streams modules depend on this seam and not on the class that imports them.
 */
import type { Admin } from "../admin/admin.js";
import type { Consumer } from "../consumer/consumer.js";
import type { ConsumerOptions } from "../consumer/options.js";
import type { KafkaHttp } from "../http.js";
import type { Producer } from "../producer/producer.js";
import type { ProducerOptions } from "../producer/producer-options.js";
import type { TopicMetadata } from "../topic-metadata.js";
import type { TransactionFn, TransactionResult } from "../transaction/transaction.js";

export interface StreamsKafka {
  readonly http: KafkaHttp;
  readonly topics: TopicMetadata;
  consumer<T = unknown>(topic: string | readonly string[], options: ConsumerOptions<T>): Consumer<T>;
  producer<T = unknown>(topic: string, options?: ProducerOptions<T>): Producer<T>;
  transaction<R>(topics: string | readonly string[], fn: TransactionFn<R>): Promise<TransactionResult<R>>;
  admin(): Admin;
}
