/**
 * `@rivulet/client/producer`: the idempotent producer, for exactly-once writes. A layer on top
 * of the stream handle in its own entry point, as the consumer is: code that reads and makes
 * plain appends does not carry it, and code that produces adds it.
 */
export { IdempotentProducer } from "./producer/idempotent-producer.js";
export { JsonText } from "./producer/json-text.js";
export type {
  AppendReceipt,
  FlushResult,
  ProducerCloseOptions,
  ProducerCloseResult,
  ProducerOptions,
} from "./producer/producer-options.js";
export { utf8Length } from "./producer/utf8-length.js";
