/**
 * Where a queued record's outcome goes: the promise of its `send()`, or the one promise of its
 * `sendBatch()` — which resolves once every record landed, in input order, and rejects with
 * the first failure (the other records still go, as with one promise each). One object per
 * call instead of a promise and two closures per record.
 */
import type { RecordMetadata } from "./record.js";
import type { AnswerSink, RecordAnswer } from "./share.js";

/** What the producer makes of an outcome: the caller's metadata (and its events), or a failure noted. */
export interface Outcomes {
  landed(answer: RecordAnswer, startedMs: number): RecordMetadata;
  failed(error: Error, partition: number | undefined): void;
}

export class SendSink implements AnswerSink {
  readonly #startedMs = Date.now();

  constructor(
    private readonly outcomes: Outcomes,
    private readonly partition: number,
    private readonly resolve: (metadata: RecordMetadata) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  landed(_index: number, answer: RecordAnswer): void {
    this.resolve(this.outcomes.landed(answer, this.#startedMs));
  }

  failed(_index: number, error: Error): void {
    this.outcomes.failed(error, this.partition);
    this.reject(error);
  }
}

export class BatchSink implements AnswerSink {
  readonly #startedMs = Date.now();
  readonly #results: RecordMetadata[];
  #left: number;
  #done = false;

  constructor(
    private readonly outcomes: Outcomes,
    /** Each record's partition, by index. */
    private readonly partitions: readonly number[],
    private readonly resolve: (metadata: RecordMetadata[]) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.#results = new Array<RecordMetadata>(partitions.length);
    this.#left = partitions.length;
  }

  landed(index: number, answer: RecordAnswer): void {
    this.#results[index] = this.outcomes.landed(answer, this.#startedMs);
    if (--this.#left === 0 && !this.#done) {
      this.#done = true;
      this.resolve(this.#results);
    }
  }

  failed(index: number, error: Error): void {
    this.outcomes.failed(error, this.partitions[index]);
    this.#left--;
    if (!this.#done) {
      this.#done = true;
      this.reject(error);
    }
  }
}
