/**
 * `kafka.batchConsumer(topic, { group, maxBatchSize, maxWaitMs, … })`: the consumer's records
 * in batches — a batch is yielded once it holds `maxBatchSize` records, or `maxWaitMs` after
 * its first record arrived, whichever comes first. Asking for the next batch finishes the
 * previous one (committed with `autoCommit`); `batch.commit()` finishes and commits it at once.
 */
import type { Consumer } from "./consumer.js";
import { asyncDispose } from "./consumer.js";
import { type ConsumerOptions, whole } from "./options.js";
import type { ConsumerRecord, DeliveredRecord } from "./record.js";

export interface BatchConsumerOptions<T = unknown> extends ConsumerOptions<T> {
  /** Most records in a batch (default 100). */
  maxBatchSize?: number;
  /** Longest wait after a batch's first record for more to fill it, in ms (default 5,000). */
  maxWaitMs?: number;
}

export interface RecordBatch<T = unknown> extends Iterable<ConsumerRecord<T>> {
  readonly records: readonly ConsumerRecord<T>[];
  readonly size: number;
  /** Finishes every record of the batch and commits them; resolves once committed. */
  commit(): Promise<void>;
}

export function batchSettings(options: BatchConsumerOptions<unknown>): { maxBatchSize: number; maxWaitMs: number } {
  return {
    maxBatchSize: whole("maxBatchSize", options.maxBatchSize, 1) ?? 100,
    maxWaitMs: whole("maxWaitMs", options.maxWaitMs, 0) ?? 5_000,
  };
}

/** What batching needs of the consumer feeding it (the SDK's, or the in-memory one of `@rivulet/kafka/testing`). */
export interface BatchSource<T> {
  poll(): Promise<DeliveredRecord<T> | undefined>;
  pollReady(max: number): DeliveredRecord<T>[];
  waitForRecords(ms: number): Promise<void>;
  settle(record: DeliveredRecord, finished: boolean): void;
  finish(record: DeliveredRecord): void;
  commit(): Promise<void>;
  close(): Promise<void>;
}

export class BatchConsumer<T = unknown, C extends BatchSource<T> = Consumer<T>>
  implements AsyncIterable<RecordBatch<T>>
{
  #previous: DeliveredRecord<T>[] = [];

  constructor(
    readonly consumer: C,
    private readonly settings: { maxBatchSize: number; maxWaitMs: number },
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<RecordBatch<T>> {
    return {
      next: async () => {
        for (const record of this.#previous.splice(0)) this.consumer.settle(record, true);
        const records = await this.#collect();
        this.#previous = records;
        return records.length === 0 ? { done: true, value: undefined } : { done: false, value: this.#batch(records) };
      },
      return: async () => {
        // Leaving the loop does not finish the batch in hand: it is delivered again.
        for (const record of this.#previous.splice(0)) this.consumer.settle(record, false);
        await this.consumer.close();
        return { done: true, value: undefined };
      },
    };
  }

  close(): Promise<void> {
    return this.consumer.close();
  }

  async [asyncDispose](): Promise<void> {
    await this.close();
  }

  async #collect(): Promise<DeliveredRecord<T>[]> {
    const first = await this.consumer.poll();
    if (first === undefined) return [];
    const records = [first];
    const deadline = Date.now() + this.settings.maxWaitMs;
    while (records.length < this.settings.maxBatchSize) {
      records.push(...this.consumer.pollReady(this.settings.maxBatchSize - records.length));
      const left = deadline - Date.now();
      if (records.length >= this.settings.maxBatchSize || left <= 0) break;
      await this.consumer.waitForRecords(left);
    }
    return records;
  }

  #batch(records: DeliveredRecord<T>[]): RecordBatch<T> {
    const consumer = this.consumer;
    return {
      records,
      size: records.length,
      [Symbol.iterator]: () => records[Symbol.iterator](),
      async commit() {
        for (const record of records) consumer.finish(record);
        await consumer.commit();
      },
    };
  }
}
