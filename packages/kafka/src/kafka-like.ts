/**
 * The shape of the SDK as an application uses it: what `Kafka` and `MockKafka`
 * (`@rivulet/kafka/testing`) both are. Code written against `KafkaLike` takes either, so a unit
 * test hands it the in-memory mock and production the real client.
 */
import type { ListOptions, ResetOffset, ResetTo } from "./admin/admin.js";
import type { GroupDescription, GroupSummary } from "./admin/group-views.js";
import type { TopicConfig, TopicDescription, TopicSummary } from "./admin/topic-views.js";
import type { BatchConsumerOptions, RecordBatch } from "./consumer/batch-consumer.js";
import type { Observer, RecordStream, Subscription } from "./consumer/operators.js";
import type { ConsumerOptions, TopicPartition } from "./consumer/options.js";
import type { ProcessOptions, RecordHandler } from "./consumer/process.js";
import type { ConsumerRecord } from "./consumer/record.js";
import type { ProducerOptions } from "./producer/producer-options.js";
import type { ProducerRecord, RecordMetadata, SendOptions } from "./producer/record.js";
import type { TransactionCommit } from "./transaction/commit-part.js";
import type { TransactionFn, TransactionOptions, TransactionResult } from "./transaction/transaction.js";

export interface KafkaProducer<T = unknown> {
  readonly topic: string;
  send(value: T, options?: SendOptions): Promise<RecordMetadata>;
  sendBatch(records: readonly ProducerRecord<T>[]): Promise<RecordMetadata[]>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface KafkaConsumer<T = unknown> extends AsyncIterable<ConsumerRecord<T>> {
  readonly group: string;
  readonly topics: readonly string[];
  start(): Promise<void>;
  assignment(): TopicPartition[];
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  paused(): TopicPartition[];
  commit(): Promise<void>;
  stream(): RecordStream<ConsumerRecord<T>>;
  filter(predicate: (record: ConsumerRecord<T>) => boolean | Promise<boolean>): RecordStream<ConsumerRecord<T>>;
  map<U>(transform: (record: ConsumerRecord<T>) => U | Promise<U>): RecordStream<U>;
  take(count: number): RecordStream<ConsumerRecord<T>>;
  subscribe(observer: Observer<ConsumerRecord<T>> | ((record: ConsumerRecord<T>) => unknown)): Subscription;
  process(handler: RecordHandler<T>, options?: ProcessOptions): Promise<void>;
  /** The group, member and finished offsets, for `tx.commitOffsets(consumer)`. */
  transactionCommit(): Required<Omit<TransactionCommit, "offsets">> & {
    offsets: { topic: string; partition: number; offset: string }[];
  };
  close(): Promise<void>;
}

export interface KafkaBatchConsumer<T = unknown> extends AsyncIterable<RecordBatch<T>> {
  close(): Promise<void>;
}

export interface KafkaAdmin {
  createTopic(name: string, config?: TopicConfig): Promise<TopicDescription>;
  listTopics(options?: ListOptions): Promise<TopicSummary[]>;
  describeTopic(name: string): Promise<TopicDescription>;
  alterTopic(name: string, changes: TopicConfig): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  listGroups(options?: ListOptions): Promise<GroupSummary[]>;
  describeGroup(id: string): Promise<GroupDescription>;
  deleteGroup(id: string): Promise<void>;
  resetOffsets(group: string, topic: string, to: ResetTo): Promise<ResetOffset[]>;
}

export interface KafkaLike {
  producer<T = unknown>(topic: string, options?: ProducerOptions<T>): KafkaProducer<T>;
  consumer<T = unknown>(topic: string | readonly string[], options: ConsumerOptions<T>): KafkaConsumer<T>;
  batchConsumer<T = unknown>(
    topic: string | readonly string[],
    options: BatchConsumerOptions<T>,
  ): KafkaBatchConsumer<T>;
  transaction<R>(
    topics: string | readonly string[],
    fn: TransactionFn<R>,
    options?: TransactionOptions,
  ): Promise<TransactionResult<R>>;
  admin(): KafkaAdmin;
}
