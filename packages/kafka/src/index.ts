/**
 * `@rivulet/kafka`: topics with keys and partitions, consumer groups, transactions and admin
 * on a Rivulet server (docs/kafka-layer.md), in TypeScript idiom.
 */

export { Admin, type ListOptions, type ResetOffset, type ResetTo } from "./admin/admin.js";
export type { GroupDescription, GroupMember, GroupPartition, GroupSummary } from "./admin/group-views.js";
export type { PartitionInfo, TopicConfig, TopicDescription, TopicSummary } from "./admin/topic-views.js";
export { BatchConsumer, type BatchConsumerOptions, type RecordBatch } from "./consumer/batch-consumer.js";
export { Consumer } from "./consumer/consumer.js";
export type { DeadLetterOptions } from "./consumer/dead-letter.js";
export {
  filter,
  map,
  type Observer,
  RecordStream,
  type Subscription,
  take,
} from "./consumer/operators.js";
export type {
  CommittedPosition,
  ConsumerEvent,
  ConsumerOptions,
  DeserializeContext,
  OffsetPolicy,
  TopicPartition,
  ValueDeserializer,
} from "./consumer/options.js";
export type { ProcessOptions, RecordHandler } from "./consumer/process.js";
export type { ConsumerRecord } from "./consumer/record.js";

export {
  DisconnectedError,
  GroupCoordinatorError,
  KafkaError,
  type KafkaErrorInit,
  MessageTooLargeError,
  NotLeaderError,
  OffsetOutOfRangeError,
  PartitionNotFoundError,
  QuotaExceededError,
  RebalanceInProgressError,
  SerializationError,
  TimeoutError,
  TopicNotFoundError,
  TransactionConflictError,
  UnauthorizedError,
} from "./errors.js";
export { Kafka } from "./kafka.js";
export type { KafkaAdmin, KafkaBatchConsumer, KafkaConsumer, KafkaLike, KafkaProducer } from "./kafka-like.js";
export {
  KAFKA_CHANNELS,
  type KafkaEvent,
  type KafkaEventBody,
  type KafkaEventHook,
  type KafkaEventType,
} from "./observability/events.js";
export type { SpanLike, TracerLike } from "./observability/tracing.js";
export type { FetchLike, KafkaOptions } from "./options.js";
export { murmur2, partitionForKey, StickyPartitioner, toPositive } from "./partitioner.js";
export type { PipelineMessage } from "./pipeline/message.js";
export type {
  BatcherOptions,
  BatchHandler,
  BatchInfo,
  FailureOptions,
  MessageHandler,
  PipelineEvent,
  PipelineOptions,
  ProcessorOptions,
} from "./pipeline/options.js";
export { Pipeline, type PipelineStats } from "./pipeline/pipeline.js";
export { Producer } from "./producer/producer.js";
export type { ProducerOptions } from "./producer/producer-options.js";
export type { ProducerRecord, RecordMetadata, SendOptions } from "./producer/record.js";
export { isRetriable, type RetryOptions, withRetry } from "./retry.js";
export {
  type Deserializer,
  deserializeValue,
  JSON_SERDE,
  jsonSerializer,
  type Schema,
  type Serializer,
  serializeValue,
} from "./serialization.js";
export type { StreamApp } from "./streams/app.js";
export type {
  InstanceDescription,
  StreamAppDescription,
  TopologySummary,
} from "./streams/describe.js";
export { describeStreamApp } from "./streams/describe-topic.js";
export type { JoinType } from "./streams/join.js";
export type { Processing } from "./streams/runtime.js";
export type { StreamOptions } from "./streams/source.js";
export type {
  AggregateOptions,
  GlobalTable,
  GroupedStream,
  JoinOptions,
  NameOptions,
  RecordFn,
  Stream,
  Table,
  TableJoinOptions,
  WindowedStream,
} from "./streams/stream.js";
export type { StreamRecord, TimestampExtractor } from "./streams/topology.js";
export {
  type EmitMode,
  hopping,
  sliding,
  tumbling,
  type Window,
  type WindowOptions,
  type WindowSpec,
} from "./streams/windows.js";
export type { CommitOffset, CommitSource, TransactionCommit } from "./transaction/commit-part.js";
export type {
  Transaction,
  TransactionFn,
  TransactionOptions,
  TransactionResult,
  TransactionSendOptions,
} from "./transaction/transaction.js";
