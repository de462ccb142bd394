/** Options and results of the idempotent producer. */
import { checkFunction, checkNumber, invalidArgument, Rule, UNLIMITED } from "../check.js";
import type { StreamError } from "../errors.js";
import type { RetryOptions } from "../retry.js";

export interface ProducerOptions {
  /** Starting epoch (default 0). Bump it on every restart of a producer that keeps its id. */
  epoch?: number;
  /**
   * On a stale-epoch 403, take over with the server's epoch + 1 and resend what was not
   * acknowledged (PROTOCOL §5.2.1 auto-claim). For ephemeral producers; fences the other one.
   */
  autoClaim?: boolean;
  /** A batch is sent once it would exceed this many bytes (default 1 MiB); larger items are rejected. */
  maxBatchBytes?: number;
  /**
   * A batch is sent once it holds this many items (default Infinity: batches are cut by
   * maxBatchBytes and lingerMs alone, so small items share a request as large ones do).
   */
  maxBatchItems?: number;
  /**
   * How long a non-full batch waits for more items (default 5 ms); while every in-flight slot
   * is busy it keeps taking items until one frees (or it is full). `Infinity`: batches are
   * cut only when full or by flush()/close(), never by time, so appending the same items with
   * the same flushes forms the same batches with the same seqs. A re-run of an import under
   * the same producer id and epoch is then recognised batch for batch and lands nothing twice.
   */
  lingerMs?: number;
  /** Batches in flight at once (default 5). Out-of-order completion is handled. */
  maxInFlight?: number;
  /** Backoff for network errors, 5xx and 429; each retry reuses the batch's epoch and seq. */
  retry?: RetryOptions;
  /**
   * `gzip`: batch bodies are sent gzip-compressed (`Content-Encoding: gzip`, compressed once
   * per batch and reused by its retries). Default `none`.
   */
  compression?: "gzip" | "none";
  /** The stream's content type; default the handle's (which must then be known). */
  contentType?: string;
  /** For fire-and-forget use: called once when the producer fails (it then rejects appends until restart). */
  onError?: (error: StreamError) => void;
  /** Aborts every request; the producer fails with ABORTED. */
  signal?: AbortSignal;
}

export interface ResolvedProducerOptions {
  epoch: number;
  autoClaim: boolean;
  maxBatchBytes: number;
  maxBatchItems: number;
  lingerMs: number;
  maxInFlight: number;
}

export const PRODUCER_DEFAULTS: ResolvedProducerOptions = {
  epoch: 0,
  autoClaim: false,
  maxBatchBytes: 1 << 20,
  maxBatchItems: UNLIMITED,
  lingerMs: 5,
  maxInFlight: 5,
};

/** Refuses a producer id or options that cannot work (INVALID_ARGUMENT naming the option). */
export function checkProducerOptions(url: string, producerId: unknown, options: ProducerOptions): void {
  if (typeof producerId !== "string" || producerId.length === 0) {
    throw invalidArgument(url, "producerId", "must be a non-empty string", producerId);
  }
  // PROTOCOL §5.2.1: epochs are integers from 0 to 2^53-1.
  checkNumber(url, "epoch", options.epoch, Rule.nonNegativeInteger);
  checkNumber(url, "maxBatchBytes", options.maxBatchBytes, Rule.positiveInteger);
  checkNumber(url, "maxBatchItems", options.maxBatchItems, Rule.positiveCountOrInfinity);
  checkNumber(url, "lingerMs", options.lingerMs, Rule.waitMs);
  checkNumber(url, "maxInFlight", options.maxInFlight, Rule.positiveInteger);
  checkFunction(url, "onError", options.onError);
  if (options.compression !== undefined && options.compression !== "gzip" && options.compression !== "none") {
    throw invalidArgument(url, "compression", 'must be "gzip" or "none"', options.compression);
  }
}

/** Producer retries default to more patience than one-shot calls: data is at stake. */
export const PRODUCER_RETRY: RetryOptions = { maxRetries: 12, maxDelayMs: 5_000 };

export interface FlushResult {
  /** The stream's tail after the last acknowledged batch (undefined if nothing was ever sent). */
  offset: string | undefined;
  /**
   * Batches acknowledged since the previous flush that the server already had (retries of
   * lost responses, or a re-run of the same batches).
   */
  duplicates: number;
}

/** Where one item landed, once its batch was acknowledged (`appendWithReceipt`). */
export interface AppendReceipt {
  /** `Stream-Next-Offset` of the item's batch: the tail after it (for a duplicate, the tail now). */
  nextOffset: string | undefined;
  /**
   * The item's seq: on JSON streams the batch's first seq plus the item's index (each item is a
   * message), elsewhere the batch's (the batch is one message). Undefined for a duplicate or a
   * server without append metadata.
   */
  seq: number | undefined;
  /** The batch's append time, ms since the epoch (undefined as seq is). */
  timestamp: number | undefined;
  /** The server already had the batch (a retry of a lost answer): nothing was written again. */
  duplicate: boolean;
  /** The item's place in its batch, and the batch's size. */
  index: number;
  batchItems: number;
  /** Encoded bytes of this item and of every later item of its batch (framing aside). */
  bytesFromHere: number;
}

export interface ProducerCloseOptions {
  /** Also close the stream (EOF for readers). Default false: only this producer stops. */
  closeStream?: boolean;
  /** A last item appended atomically with the stream's closure (implies `closeStream`). */
  finalItem?: unknown;
}

export interface ProducerCloseResult extends FlushResult {
  /** Whether the stream is now closed. */
  closed: boolean;
}
