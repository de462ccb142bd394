/**
 * A handler batch made by re-batching (`batchSize`, `key`): items taken from one or more
 * reads. Its position fields are those of the read that delivered its last item; the
 * consumer, not the batch, decides what is checkpointed.
 */
import type { Batch } from "../read/batch.js";

const encoder = new TextEncoder();

export class ItemBatch<T> implements Batch<T> {
  readonly offset: string;
  readonly cursor: string | undefined;
  readonly upToDate: boolean;
  /** Re-batched items never carry the end of the stream; `consumer.done` reports it. */
  readonly closed = false;
  /** Items from several reads keep no records. */
  readonly records = undefined;

  constructor(
    readonly items: T[],
    lastRead: Batch<T>,
  ) {
    this.offset = lastRead.offset;
    this.cursor = lastRead.cursor;
    this.upToDate = lastRead.upToDate;
  }

  /** The items as one JSON array. */
  get text(): string {
    return JSON.stringify(this.items);
  }

  get data(): Uint8Array {
    return encoder.encode(this.text);
  }
}
