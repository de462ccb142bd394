/** A sealed batch on its way to the server, and the one-shot signal of its outcome. */
import type { StreamError } from "../errors.js";
import type { AppendReceipt } from "./producer-options.js";

/** A caller waiting for one item of the batch (`appendWithReceipt`). */
export interface ItemWaiter {
  index: number;
  /** The batch's encoded bytes before this item (framing aside). */
  bytesBefore: number;
  resolve(receipt: AppendReceipt): void;
  reject(error: StreamError): void;
}

/** What the server answered for a batch that it acknowledged (PROTOCOL §5.2.1, append metadata). */
export interface BatchAnswer {
  /** `Stream-Next-Offset`: the tail after the batch (a duplicate: the stream's tail now). */
  nextOffset: string | undefined;
  /** `Stream-Append-Seq`: the seq of the batch's first message; undefined for a duplicate. */
  seq: number | undefined;
  /** `Stream-Append-Time`, ms since the epoch; undefined for a duplicate. */
  timestamp: number | undefined;
}

export class Outgoing {
  /** Epoch and seq of its current dispatch (reassigned if an auto-claim resends it). */
  epoch = -1;
  seq = -1;
  done = false;
  duplicate = false;
  error: StreamError | undefined;
  answer: BatchAnswer | undefined;
  /** The body as sent when it is compressed: made once, reused by every retry. */
  wireBody: Uint8Array | undefined;
  waiters: ItemWaiter[] = [];
  readonly settled: Promise<void>;
  #resolve!: () => void;

  constructor(
    /** Creation order: resends after an auto-claim keep it. */
    readonly id: number,
    /** Text or bytes (see AssembledBatch). */
    readonly body: string | Uint8Array,
    /** The body's size in bytes, uncompressed. */
    readonly bodyBytes: number,
    readonly items: number,
    /** The items' encoded bytes, framing aside. */
    readonly payloadBytes = 0,
    /** Each item is its own message (JSON streams); else the whole batch is one. */
    readonly messagePerItem = true,
  ) {
    this.settled = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  succeed(duplicate: boolean): void {
    if (this.done) return;
    this.done = true;
    this.duplicate = duplicate;
    for (const waiter of this.waiters) waiter.resolve(this.#receipt(waiter));
    this.#resolve();
  }

  #receipt({ index, bytesBefore }: ItemWaiter): AppendReceipt {
    const answer = this.answer;
    const seq = answer?.seq;
    return {
      nextOffset: answer?.nextOffset,
      seq: seq === undefined ? undefined : seq + (this.messagePerItem ? index : 0),
      timestamp: answer?.timestamp,
      duplicate: this.duplicate,
      index,
      batchItems: this.items,
      bytesFromHere: this.payloadBytes - bytesBefore,
    };
  }

  fail(error: StreamError): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    for (const waiter of this.waiters) waiter.reject(error);
    this.#resolve();
  }
}
