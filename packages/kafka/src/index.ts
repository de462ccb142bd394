/**
 * `@rivulet/kafka`: topics with keys and partitions, consumer groups, transactions and admin
 * on a Rivulet server (docs/kafka-layer.md), in TypeScript idiom.
 */
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
