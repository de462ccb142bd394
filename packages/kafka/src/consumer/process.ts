/**
 * `consumer.process(handler, { concurrency, perKeyOrdering, deadLetter })`: handlers run side
 * by side, records of one key one after another, and commits cover only the lowest contiguous
 * finished position of each partition — never a record still being handled, however the
 * handlers finish. (Committing each record as its handler finishes, in completion order,
 * would commit past slower records still running; a crash then loses them.)
 */
import { KafkaError } from "../errors.js";
import { backoffMs, sleep } from "../http.js";
import { invalid } from "../options.js";
import { type DeadLetterOptions, resolveDeadLetter } from "./dead-letter.js";
import { whole } from "./options.js";
import type { ConsumerRecord, DeliveredRecord } from "./record.js";

export interface ProcessOptions {
  /** Handlers running at once (default 1). */
  concurrency?: number;
  /** Records with the same key (in the same partition) are handled one after another, in order (default true). Records without a key have no order among them. */
  perKeyOrdering?: boolean;
  /**
   * A topic, or `{ topic, maxAttempts }`: a record whose handler still throws after
   * `maxAttempts` tries (default 3) is sent there with `original-*` and `error-*` headers and
   * its offset committed, in one transaction. Without it, a handler's error ends process():
   * what finished is committed, the consumer closes, and the record is delivered again later.
   */
  deadLetter?: string | DeadLetterOptions;
}

export type RecordHandler<T> = (record: ConsumerRecord<T>) => unknown | Promise<unknown>;

/** Sends a record whose handler kept failing to the dead-letter topic and commits it, atomically. */
export interface DeadLetterSink {
  readonly maxAttempts: number;
  send(record: DeliveredRecord, error: unknown, attempts: number): Promise<void>;
}

/**
 * What process() needs of the consumer feeding it (the SDK's `Consumer`, or the in-memory one
 * of `@rivulet/kafka/testing`, which share this loop so they behave alike).
 */
export interface ProcessSource<T> {
  /** The next record, or undefined once the consumer is closed. */
  poll(): Promise<DeliveredRecord<T> | undefined>;
  /** A record's processing ended: finished (its offset may be committed) or not. */
  settle(record: DeliveredRecord, finished: boolean): void;
  /** Commits what finished, in the background. */
  flushCommits(): Promise<void>;
  deadLetters(options: Required<DeadLetterOptions>): DeadLetterSink;
  fail(error: KafkaError): void;
  close(): Promise<void>;
}

export async function processRecords<T>(
  consumer: ProcessSource<T>,
  handler: RecordHandler<T>,
  options: ProcessOptions = {},
): Promise<void> {
  if (typeof handler !== "function") throw invalid("handler", "must be a function");
  const concurrency = whole("concurrency", options.concurrency, 1) ?? 1;
  const perKeyOrdering = options.perKeyOrdering ?? true;
  if (typeof perKeyOrdering !== "boolean") throw invalid("perKeyOrdering", "must be true or false");
  const deadLetter = resolveDeadLetter(options.deadLetter);
  const dlq = deadLetter === undefined ? undefined : consumer.deadLetters(deadLetter);
  const running = new Set<Promise<void>>();
  const lastOfKey = new Map<string, Promise<void>>();
  let failure: KafkaError | undefined;

  const run = async (record: DeliveredRecord<T>, after: Promise<void> | undefined): Promise<void> => {
    await after;
    const error = await attempt(handler, record, dlq?.maxAttempts ?? 1);
    if (error === undefined) {
      consumer.settle(record, true);
      void consumer.flushCommits().catch(() => {});
      return;
    }
    if (dlq === undefined || failure !== undefined) {
      consumer.settle(record, false);
      failure ??= asKafkaError(error);
      consumer.fail(failure);
      return;
    }
    try {
      await dlq.send(record, error, dlq.maxAttempts);
      consumer.settle(record, true);
    } catch (dlqError) {
      consumer.settle(record, false);
      failure ??= asKafkaError(dlqError);
      consumer.fail(failure);
    }
  };

  try {
    while (failure === undefined) {
      while (running.size >= concurrency) await Promise.race(running);
      const record = await consumer.poll().catch((error: unknown) => {
        failure ??= asKafkaError(error);
        return undefined;
      });
      if (record === undefined) break;
      const key =
        perKeyOrdering && record.key !== null ? `${record.topic}/${record.partition}/${record.key}` : undefined;
      const task = run(record, key === undefined ? undefined : lastOfKey.get(key));
      running.add(task);
      if (key !== undefined) lastOfKey.set(key, task);
      void task.finally(() => {
        running.delete(task);
        if (key !== undefined && lastOfKey.get(key) === task) lastOfKey.delete(key);
      });
    }
    await Promise.all(running);
  } finally {
    await consumer.close();
  }
  if (failure !== undefined) throw failure;
}

/** Runs the handler up to `maxAttempts` times, with backoff between; the last error, or undefined when it succeeded. */
async function attempt<T>(handler: RecordHandler<T>, record: ConsumerRecord<T>, maxAttempts: number) {
  for (let n = 1; ; n++) {
    try {
      await handler(record);
      return undefined;
    } catch (error) {
      if (n >= maxAttempts) return error;
      await sleep(backoffMs(50, n));
    }
  }
}

function asKafkaError(error: unknown): KafkaError {
  if (error instanceof KafkaError) return error;
  return new KafkaError("HANDLER_FAILED", error instanceof Error ? error.message : String(error), { cause: error });
}
