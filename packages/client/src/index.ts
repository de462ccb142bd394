/**
 * `@rivulet/client`: an isomorphic Durable Streams client (fetch, ReadableStream, AbortSignal;
 * no Node built-ins). The idempotent producer is in `@rivulet/client/producer`, the consumer
 * in `@rivulet/client/consumer`, Node-only extras in `@rivulet/client/node`.
 */
export { type CreateClientOptions, createClient, type HandleOptions, StreamClient } from "./client.js";
export {
  ConfigConflictError,
  GoneError,
  InvalidArgumentError,
  isStreamError,
  SequenceGapError,
  StaleEpochError,
  StreamClosedError,
  StreamError,
  type StreamErrorCode,
  TailMismatchError,
} from "./errors.js";
export type { BodyInput, StreamSource } from "./handle/body.js";
export { DurableStream, type DurableStreamOptions, type ForkResult } from "./handle/durable-stream.js";
export type {
  AppendOptions,
  AppendResult,
  CloseOptions,
  CreateOptions,
  CreateResult,
  ForkOptions,
  OperationOptions,
  ProducerStamp,
  StreamInfo,
} from "./handle/results.js";
export { diagnosticsAvailable } from "./observability/diagnostics.js";
export {
  type ClientEvent,
  type ClientEventBody,
  type ClientEventType,
  DIAGNOSTICS_CHANNELS,
  type EventHook,
  type ReadMode,
} from "./observability/events.js";
export {
  type EventLogger,
  type LogEntry,
  type LogEventsOptions,
  type LogHook,
  type LogLevel,
  logEvents,
} from "./observability/log-events.js";
export { compareOffsets, OFFSET_BEGINNING, OFFSET_NOW } from "./offsets.js";
export type { ClientOptions, DynamicRecord, DynamicValue, FetchLike, MaybePromise } from "./options.js";
export type { Batch } from "./read/batch.js";
export type { ReadOnceOptions } from "./read/read-once.js";
export { type StreamOptions, stream } from "./read/read-only.js";
export type {
  AutoFallbackOptions,
  ErrorDecision,
  LiveMode,
  ReadErrorHandler,
  ReadOptions,
  StartOffset,
} from "./read/read-options.js";
export type { RecordsOption, StreamRecord } from "./read/records.js";
export { StreamResponse } from "./read/response.js";
export type { TimeLookup } from "./read/start.js";
export type { BatchHandler, SubscribeOptions, Subscription } from "./read/subscribe.js";
export { DEFAULT_RETRY, type RetryOptions } from "./retry.js";
