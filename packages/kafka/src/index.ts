/**
 * `@rivulet/kafka`: topics with keys and partitions, consumer groups, transactions and admin
 * on a Rivulet server (docs/kafka-layer.md), in TypeScript idiom.
 */

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
  Deserializer,
  OffsetPolicy,
  TopicPartition,
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
export type { FetchLike, KafkaOptions } from "./options.js";
