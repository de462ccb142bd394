/**
 * `@rivulet/client/consumer`: the long-running consumer and its offset stores. A layer on top
 * of the stream handle, in its own entry point so the handle never imports it: code that
 * reads and writes streams does not carry the consumer, and code that consumes adds it.
 */
export { CompletionTracker } from "./consumer/completion-tracker.js";
export { Consumer } from "./consumer/consumer.js";
export type {
  ConsumerEnd,
  ConsumerErrorDecision,
  ConsumerErrorPhase,
  ConsumerHandler,
  ConsumerOptions,
  HandlerContext,
  RestartOptions,
} from "./consumer/consumer-options.js";
export {
  MemoryOffsetStore,
  type OffsetStore,
  type StorageLike,
  WebStorageOffsetStore,
} from "./consumer/offset-store.js";
