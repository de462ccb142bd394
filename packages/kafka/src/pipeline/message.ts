/**
 * A message in a pipeline: the consumed record, the data the stages pass along, where it goes
 * next and whether it failed. Handlers change it in place (Broadway's `put_batcher` and
 * `failed` are fields here): `message.batcher = "bulk"`, `message.data = …`,
 * `message.fail(reason)`.
 */
import type { ConsumerRecord, DeliveredRecord } from "../consumer/record.js";

export interface PipelineMessage<T = unknown> {
  readonly record: ConsumerRecord<T>;
  readonly key: string | null;
  /** The record's value, until a handler replaces it. */
  data: unknown;
  /** The batcher it goes to after `handleMessage`; `undefined` finishes it there. Starts as "default" (or the first batcher named). */
  batcher: string | undefined;
  /** Set by `fail()`: the message skips what is left of its path and goes to the failure route (no retry). */
  readonly failure: unknown;
  fail(reason: unknown): void;
}

/** The pipeline's own view: the record as the consumer handed it out. */
export interface TrackedMessage<T> extends PipelineMessage<T> {
  readonly record: DeliveredRecord<T>;
  /** Tries of the stage that failed it (what a dead letter's `error-attempts` says). */
  attempts: number;
}

export function makeMessage<T>(record: DeliveredRecord<T>, batcher: string | undefined): TrackedMessage<T> {
  let failure: unknown;
  return {
    record,
    key: record.key,
    data: record.value,
    batcher,
    attempts: 1,
    get failure() {
      return failure;
    },
    fail(reason: unknown) {
      failure = reason ?? new Error("failed");
    },
  };
}
