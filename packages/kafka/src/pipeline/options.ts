/**
 * The options of `kafka.pipeline(topic, { group, processors, batchers, handleMessage,
 * handleBatch, failures, … })`, their defaults, and the checks that refuse values that cannot
 * work (INVALID_ARGUMENT naming the option) before anything is fetched.
 */
import { type DeadLetterOptions, resolveDeadLetter } from "../consumer/dead-letter.js";
import { type ConsumerEvent, type ConsumerOptions, callback, type TopicPartition, whole } from "../consumer/options.js";
import { invalid } from "../options.js";
import type { PipelineMessage } from "./message.js";

export interface ProcessorOptions {
  /** Messages in `handleMessage` at once (default 1). */
  concurrency?: number;
  /** Messages of one key (in one partition) go through `handleMessage` and each batcher one after another, in order (default true). */
  perKeyOrdering?: boolean;
}

export interface BatcherOptions {
  /** A batch is handed to `handleBatch` once it holds this many messages (default 100). */
  size?: number;
  /** … or this long after its first message arrived, whichever comes first (default 1,000 ms). */
  timeoutMs?: number;
  /** Batches of this batcher in `handleBatch` at once (default 1). */
  concurrency?: number;
}

export interface FailureOptions {
  /** Tries of `handleMessage` (or of a whole batch's `handleBatch`) before the message counts as failed (default 3). */
  maxAttempts?: number;
  /** The first retry's backoff in ms, doubling each try, jittered (default 50). */
  backoffMs?: number;
  /** Failed messages go here, with their commit in one transaction (the consumer's dead-letter helper). */
  deadLetter?: string | Omit<DeadLetterOptions, "maxAttempts">;
  /** Without `deadLetter`: `true` drops failed messages (a `pipeline:dropped` event each); `false` (default) stops the pipeline. */
  drop?: boolean;
}

export interface BatchInfo {
  readonly batcher: string;
  /** Why the batch was handed over: it was full, its timeout passed, or the pipeline is draining. */
  readonly trigger: "size" | "timeout" | "drain";
}

export type MessageHandler<T> = (message: PipelineMessage<T>) => unknown | Promise<unknown>;
export type BatchHandler<T> = (
  batcher: string,
  messages: readonly PipelineMessage<T>[],
  info: BatchInfo,
) => unknown | Promise<unknown>;

/** What a pipeline reports besides its consumer's events. */
export type PipelineEvent =
  | ConsumerEvent
  | { type: "pipeline:retry"; group: string; stage: "message" | "batch"; attempt: number; error: unknown }
  | {
      type: "pipeline:batch";
      group: string;
      batcher: string;
      size: number;
      trigger: BatchInfo["trigger"];
      durationMs: number;
    }
  | {
      type: "pipeline:dead-letter";
      group: string;
      topic: string;
      message: TopicPartition & { offset: string };
      error: unknown;
    }
  | { type: "pipeline:dropped"; group: string; message: TopicPartition & { offset: string }; error: unknown }
  | { type: "pipeline:drained"; group: string };

export interface PipelineOptions<T = unknown> extends Omit<ConsumerOptions<T>, "onEvent" | "signal" | "autoCommit"> {
  processors?: ProcessorOptions;
  /** One batcher (named "default"), or named batchers: `{ default: {…}, bulk: {…} }`. None: messages finish after `handleMessage`. */
  batchers?: BatcherOptions | Record<string, BatcherOptions>;
  /** Runs for each message; may set `message.data`, route it with `message.batcher = "name"`, or `message.fail(reason)`. Throwing retries it. */
  handleMessage?: MessageHandler<T>;
  /** Runs for each batch; may `fail(reason)` single messages. Throwing retries the whole batch. Required with batchers. */
  handleBatch?: BatchHandler<T>;
  failures?: FailureOptions;
  /** Most messages taken from the consumer and not yet finished (default: processors + each batcher's size × (concurrency + 1)). */
  maxInFlight?: number;
  /** The consumer's and the pipeline's events. */
  onEvent?: (event: PipelineEvent) => void;
  /** Aborting it drains the pipeline (SIGTERM: abort a controller). */
  signal?: AbortSignal;
}

export interface ResolvedBatcher {
  name: string;
  size: number;
  timeoutMs: number;
  concurrency: number;
}

export interface ResolvedPipeline<T> {
  concurrency: number;
  perKeyOrdering: boolean;
  batchers: Map<string, ResolvedBatcher>;
  handleMessage: MessageHandler<T>;
  handleBatch: BatchHandler<T> | undefined;
  maxAttempts: number;
  backoffMs: number;
  deadLetter: { topic: string; maxAttempts: number } | undefined;
  drop: boolean;
  maxInFlight: number;
  onEvent: (event: PipelineEvent) => void;
  signal: AbortSignal | undefined;
}

const BATCHER_FIELDS = ["size", "timeoutMs", "concurrency"];

export function resolvePipelineOptions<T>(options: PipelineOptions<T>): ResolvedPipeline<T> {
  if (typeof options !== "object" || options === null) throw invalid("options", "must be an object with a group");
  const processors = objectOf("processors", options.processors);
  const concurrency = whole("processors.concurrency", processors.concurrency, 1) ?? 1;
  const perKeyOrdering = processors.perKeyOrdering ?? true;
  if (typeof perKeyOrdering !== "boolean") throw invalid("processors.perKeyOrdering", "must be true or false");
  const batchers = resolveBatchers(options.batchers);
  const handleMessage = callback("handleMessage", options.handleMessage) ?? (() => {});
  const handleBatch = callback("handleBatch", options.handleBatch);
  if (batchers.size > 0 && handleBatch === undefined) throw invalid("handleBatch", "is required with batchers");
  if (batchers.size === 0 && handleBatch !== undefined) throw invalid("batchers", "are required with handleBatch");
  const failures = objectOf("failures", options.failures);
  const maxAttempts = whole("failures.maxAttempts", failures.maxAttempts, 1) ?? 3;
  const drop = failures.drop ?? false;
  if (typeof drop !== "boolean") throw invalid("failures.drop", "must be true or false");
  const deadLetter =
    failures.deadLetter === undefined
      ? undefined
      : resolveDeadLetter({
          ...(typeof failures.deadLetter === "string" ? { topic: failures.deadLetter } : failures.deadLetter),
          maxAttempts,
        });
  if (deadLetter !== undefined && drop) throw invalid("failures", "cannot both drop and dead-letter failed messages");
  const capacity = [...batchers.values()].reduce((sum, b) => sum + b.size * (b.concurrency + 1), concurrency);
  return {
    concurrency,
    perKeyOrdering,
    batchers,
    handleMessage,
    handleBatch,
    maxAttempts,
    backoffMs: whole("failures.backoffMs", failures.backoffMs, 0) ?? 50,
    deadLetter,
    drop,
    maxInFlight: whole("maxInFlight", options.maxInFlight, 1) ?? capacity,
    onEvent: callback("onEvent", options.onEvent) ?? (() => {}),
    signal: options.signal,
  };
}

function resolveBatchers(option: PipelineOptions["batchers"]): Map<string, ResolvedBatcher> {
  const batchers = new Map<string, ResolvedBatcher>();
  if (option === undefined) return batchers;
  const spec = objectOf("batchers", option);
  // A single batcher's fields at the top level name the default batcher (the brief form).
  const single = Object.keys(spec).length === 0 || Object.keys(spec).some((key) => BATCHER_FIELDS.includes(key));
  const named = single ? { default: spec as BatcherOptions } : (spec as Record<string, BatcherOptions>);
  for (const [name, batcher] of Object.entries(named)) {
    const path = single ? "batchers" : `batchers.${name}`;
    const fields = objectOf(path, batcher);
    for (const key of Object.keys(fields)) {
      if (!BATCHER_FIELDS.includes(key))
        throw invalid(`${path}.${key}`, "is not a batcher option (size, timeoutMs, concurrency)");
    }
    batchers.set(name, {
      name,
      size: whole(`${path}.size`, fields.size, 1) ?? 100,
      timeoutMs: whole(`${path}.timeoutMs`, fields.timeoutMs, 0) ?? 1_000,
      concurrency: whole(`${path}.concurrency`, fields.concurrency, 1) ?? 1,
    });
  }
  return batchers;
}

function objectOf<O extends object>(name: string, value: O | undefined): Partial<O> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(name, "must be an object");
  return value;
}
