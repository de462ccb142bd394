/**
 * Callback consumption with backpressure: the next batch is not requested until the
 * handler's promise settles, so a slow handler slows the reader instead of queueing batches.
 */
import type { StreamError } from "../errors.js";
import type { MaybePromise } from "../options.js";
import type { Batch } from "./batch.js";

export type BatchHandler<T> = (batch: Batch<T>) => MaybePromise<void>;

export interface SubscribeOptions {
  /** Called once if reading or the handler fails; the subscription then ends. */
  onError?: (error: unknown) => void;
}

export interface Subscription {
  /** Stops after the batch being handled (if any); `done` then resolves. */
  unsubscribe(): void;
  /**
   * Settles when the subscription ends: resolves at EOF or after `unsubscribe()`, rejects
   * with the error that ended it. Awaiting it is optional; an unobserved failure does not
   * become an unhandled rejection (use `onError` to hear about it).
   */
  readonly done: Promise<void>;
}

export function subscribeBatches<T>(
  batches: AsyncIterable<Batch<T>>,
  cancel: () => void,
  handler: BatchHandler<T>,
  options: SubscribeOptions = {},
): Subscription {
  let stopped = false;
  const run = async () => {
    try {
      for await (const batch of batches) {
        if (stopped) break;
        await handler(batch);
        if (stopped) break;
      }
    } catch (error) {
      if (stopped) return;
      options.onError?.(error as StreamError);
      throw error;
    }
  };
  const done = run();
  done.catch(() => {});
  return {
    unsubscribe() {
      if (stopped) return;
      stopped = true;
      cancel();
    },
    done,
  };
}
