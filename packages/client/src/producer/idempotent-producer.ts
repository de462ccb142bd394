/**
 * The idempotent producer (PROTOCOL §5.2.1): `append()` queues, batches go out pipelined
 * (`maxInFlight`), and every retry of a batch reuses its (epoch, seq), so the server drops
 * what it already has and each item lands exactly once.
 *
 * Ordering rules: seqs are assigned at dispatch in creation order; the first batch of an
 * epoch travels alone (a server must see seq 0 before later seqs of a new epoch); a
 * sequence-gap 409 waits for the earlier batches still in flight, then retries; after an
 * auto-claim nothing is dispatched until every request of the old epoch has come back, and
 * the unacknowledged batches are resent in creation order under the new epoch.
 */
import { isJsonContentType } from "@rivulet/protocol";
import { definedOnly, UNLIMITED } from "../check.js";
import { asyncDispose } from "../dispose.js";
import type { Endpoint } from "../endpoint.js";
import { StaleEpochError, StreamError, unknownContentType, usageError } from "../errors.js";
import type { BufferedResponse } from "../http/transport.js";
import { sleepUnlessAborted } from "../http/with-retries.js";
import { checkedRetryPolicy, type RetryPolicy, retryDelay } from "../retry.js";
import { checkWaitOptions, type WaitOptions, waitWithin } from "../wait-within.js";
import { type AssembledBatch, BatchAssembler } from "./batch-assembler.js";
import { answerOf, type BatchWire, batchBody, batchHeaders } from "./batch-request.js";
import { type ItemWaiter, Outgoing } from "./outgoing.js";
import {
  type AppendReceipt,
  checkProducerOptions,
  type FlushResult,
  PRODUCER_DEFAULTS,
  PRODUCER_RETRY,
  type ProducerCloseOptions,
  type ProducerCloseResult,
  type ProducerOptions,
  type ResolvedProducerOptions,
} from "./producer-options.js";

/** Auto-claims in a row without an acknowledgement before giving up (another claimer keeps winning). */
const MAX_CLAIMS_IN_A_ROW = 5;

type Next = "retry" | "requeued";

export class IdempotentProducer {
  readonly producerId: string;
  readonly url: string;
  readonly #config: ResolvedProducerOptions;
  readonly #policy: RetryPolicy;
  readonly #wire: BatchWire;
  readonly #assembler: BatchAssembler;
  readonly #json: boolean;
  /** Callers waiting for items of the open batch. */
  #openWaiters: ItemWaiter[] = [];
  #currentEpoch: number;
  #seq = 0;
  /** The current epoch's first batch has been acknowledged, so pipelining is safe. */
  #established = false;
  #claimsInARow = 0;
  /** The highest epoch a server reported for this id (stale-epoch 403s). */
  #serverEpoch = -1;
  #nextId = 0;
  #linger: ReturnType<typeof setTimeout> | undefined;
  /** The open batch's linger ran out while every slot was busy: it goes out when one frees. */
  #lingerDue = false;
  readonly #waiting: Outgoing[] = [];
  readonly #active = new Set<Outgoing>();
  #failure: StreamError | undefined;
  #closing: Promise<ProducerCloseResult> | undefined;
  #lastOffset: string | undefined;
  #sealed = 0;
  /** Duplicates acknowledged since the last flush() returned. */
  #duplicatesSinceFlush = 0;

  readonly #stream: Endpoint;
  readonly #options: ProducerOptions;

  constructor(stream: Endpoint, producerId: string, options: ProducerOptions = {}) {
    this.#stream = stream;
    this.#options = options;
    checkProducerOptions(stream.url, producerId, options);
    const contentType = options.contentType ?? stream.contentType;
    if (contentType === undefined) {
      throw unknownContentType(stream.url);
    }
    this.producerId = producerId;
    this.url = stream.url;
    this.#wire = { producerId, contentType, compression: this.#options.compression };
    this.#config = { ...PRODUCER_DEFAULTS, ...definedOnly(options) };
    this.#currentEpoch = this.#config.epoch;
    this.#policy = checkedRetryPolicy(this.url, "retry", PRODUCER_RETRY, options.retry);
    this.#json = isJsonContentType(contentType);
    this.#assembler = new BatchAssembler(this.url, this.#json, this.#config.maxBatchBytes, this.#config.maxBatchItems);
  }

  get epoch(): number {
    return this.#currentEpoch;
  }

  /** The seq the next dispatched batch will carry. */
  get nextSeq(): number {
    return this.#seq;
  }

  /**
   * Batches cut so far, acknowledged or not. With `lingerMs: Infinity` it depends only on
   * the items appended and the flushes, so callers can flush at points fixed by their input.
   */
  get sealedBatches(): number {
    return this.#sealed;
  }

  /** Batches sealed but not yet acknowledged (queued or in flight). */
  get pendingBatches(): number {
    return this.#waiting.length + this.#active.size;
  }

  /** Items appended but not yet acknowledged: queued, in the open batch, or in flight. */
  get pendingItems(): number {
    let items = this.#assembler.itemCount;
    for (const batch of this.#waiting) items += batch.items;
    for (const batch of this.#active) items += batch.items;
    return items;
  }

  /** The failure that stopped the producer, until `restart()`. */
  get error(): StreamError | undefined {
    return this.#failure;
  }

  /**
   * Queues one item (a JSON value on JSON streams, else a string or bytes) and returns at
   * once. Throws if the producer is closed or failed, or the item alone exceeds maxBatchBytes.
   */
  append(item: unknown): void {
    this.#enqueue(item, undefined);
  }

  /**
   * Queues one item as append() does, and resolves once its batch is acknowledged with where
   * it landed: the batch's tail, the item's seq and the append time (append metadata). Throws
   * at once as append() does; rejects with the batch's failure.
   */
  appendWithReceipt(item: unknown): Promise<AppendReceipt> {
    return new Promise((resolve, reject) => {
      this.#enqueue(item, { index: 0, bytesBefore: 0, resolve, reject });
    });
  }

  #enqueue(item: unknown, waiter: ItemWaiter | undefined): void {
    if (this.#closing) throw usageError(this.url, "The producer is closed");
    if (this.#failure) throw this.#failure;
    const encoded = this.#assembler.encode(item);
    const bytes = this.#assembler.sizeOf(encoded);
    if (!this.#assembler.fits(bytes)) this.#seal();
    if (waiter) {
      waiter.index = this.#assembler.itemCount;
      waiter.bytesBefore = this.#assembler.payloadBytes;
      this.#openWaiters.push(waiter);
    }
    if (this.#assembler.add(encoded, bytes)) this.#seal();
    else if (this.#config.lingerMs !== UNLIMITED) {
      this.#linger ??= setTimeout(() => this.#lingerExpired(), this.#config.lingerMs);
    }
  }

  /**
   * Sends everything queued and waits for it; rejects if any of it failed. With `timeoutMs`
   * or `signal` the wait may end first (TIMEOUT / ABORTED) without failing the producer: the
   * batches keep going, and a later flush() waits for them again.
   */
  async flush(options: WaitOptions = {}): Promise<FlushResult> {
    checkWaitOptions(this.url, options);
    this.#seal();
    const pending = [...this.#active, ...this.#waiting];
    const all = Promise.all(pending.map((batch) => batch.settled));
    await waitWithin(all, this.url, `${pending.length} batches of producer ${this.producerId}`, options);
    const failed = pending.find((batch) => batch.error !== undefined);
    if (failed?.error) throw failed.error;
    if (this.#failure) throw this.#failure;
    const duplicates = this.#duplicatesSinceFlush;
    this.#duplicatesSinceFlush = 0;
    return { offset: this.#lastOffset, duplicates };
  }

  /**
   * Flushes, then stops accepting items; optionally closes the stream (with a final item).
   * `timeoutMs` / `signal` bound only the wait (TIMEOUT / ABORTED): the producer keeps
   * closing in the background, and calling close() again waits for that same close.
   */
  close(options: ProducerCloseOptions & WaitOptions = {}): Promise<ProducerCloseResult> {
    checkWaitOptions(this.url, options);
    if (!this.#closing) {
      this.#closing = this.#finish(options);
      // A caller that gave up waiting must not leave the outcome unobserved.
      this.#closing.catch(() => {});
    }
    return waitWithin(this.#closing, this.url, `producer ${this.producerId} to close`, options);
  }

  /** `await using producer = new IdempotentProducer(...)`: closes (flushing everything) at the end of the block. */
  async [asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Starts a new epoch (seq 0), fencing any older session of this producer id. Waits for
   * batches in flight; clears a failure, so the producer can be used again. The new epoch is
   * above any the server reported: reusing the fencer's epoch would make new data look like
   * duplicates of its batches.
   */
  async restart(): Promise<void> {
    if (this.#closing) throw usageError(this.url, "The producer is closed");
    this.#seal();
    await Promise.all([...this.#active, ...this.#waiting].map((batch) => batch.settled));
    this.#failure = undefined;
    this.#startEpoch(Math.max(this.#currentEpoch, this.#serverEpoch) + 1);
  }

  async #finish(options: ProducerCloseOptions): Promise<ProducerCloseResult> {
    const flushed = await this.flush();
    if (!options.closeStream && options.finalItem === undefined) return { ...flushed, closed: false };
    const body = options.finalItem === undefined ? undefined : this.#finalBody(options.finalItem);
    const batch = new Outgoing(this.#nextId++, body?.body ?? "", body?.bodyBytes ?? 0, body ? 1 : 0);
    batch.epoch = this.#currentEpoch;
    batch.seq = this.#seq++;
    const response = await this.#post(batch, true);
    return {
      offset: this.#lastOffset,
      // A final item is new data (200) or a duplicate (204); a close-only is always 204 (§5.3).
      duplicates: flushed.duplicates + (body && response.status === 204 ? 1 : 0),
      closed: true,
    };
  }

  #finalBody(item: unknown): AssembledBatch {
    const encoded = this.#assembler.encode(item);
    this.#assembler.add(encoded, this.#assembler.sizeOf(encoded));
    return this.#assembler.take()!;
  }

  /**
   * A batch that lingered enough waits on as long as it could not be sent anyway: it keeps
   * taking items while every slot is busy, so under load batches grow toward maxBatchBytes
   * and each request carries more (fewer requests for the same items on both ends).
   */
  #lingerExpired(): void {
    this.#linger = undefined;
    if (this.#canSendNow()) this.#seal();
    else this.#lingerDue = true;
  }

  #canSendNow(): boolean {
    if (this.#waiting.length > 0 || this.#failure) return false;
    for (const batch of this.#active) if (batch.epoch < this.#currentEpoch) return false;
    return this.#active.size < (this.#established ? this.#config.maxInFlight : 1);
  }

  #seal(): void {
    if (this.#linger !== undefined) clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#lingerDue = false;
    const batch = this.#assembler.take();
    if (!batch) return;
    this.#sealed++;
    const outgoing = new Outgoing(
      this.#nextId++,
      batch.body,
      batch.bodyBytes,
      batch.items,
      batch.payloadBytes,
      this.#json,
    );
    outgoing.waiters = this.#openWaiters;
    this.#openWaiters = [];
    if (this.#failure) outgoing.fail(this.#failure);
    else this.#waiting.push(outgoing);
    this.#pump();
  }

  #pump(): void {
    while (this.#waiting.length > 0 && !this.#failure) {
      // After an auto-claim, old-epoch requests must all come back before resending in order.
      for (const batch of this.#active) if (batch.epoch < this.#currentEpoch) return;
      const limit = this.#established ? this.#config.maxInFlight : 1;
      if (this.#active.size >= limit) return;
      const batch = this.#waiting.shift()!;
      batch.epoch = this.#currentEpoch;
      batch.seq = this.#seq++;
      this.#active.add(batch);
      void this.#deliver(batch);
    }
  }

  async #deliver(batch: Outgoing): Promise<void> {
    try {
      await this.#post(batch, false);
      batch.succeed(batch.duplicate);
    } catch (error) {
      if (error !== REQUEUED) this.#fail(batch, asStreamError(this.url, error));
    } finally {
      this.#active.delete(batch);
      this.#pump();
      // A failed producer fails the lingering batch at once, as its timer would have.
      if (this.#lingerDue && (this.#failure || this.#canSendNow())) this.#seal();
    }
  }

  /** Sends one batch until it is acknowledged; throws REQUEUED or the failure. */
  async #post(batch: Outgoing, close: boolean): Promise<BufferedResponse> {
    for (let attempt = 0; ; attempt++) {
      if (this.#failure) throw this.#failure;
      const started = Date.now();
      try {
        const body = await batchBody(this.#wire, batch);
        const response = await this.#stream.transport.send({
          operation: close ? "close" : "append",
          method: "POST",
          url: this.url,
          headers: batchHeaders(this.#wire, batch, close),
          body,
          signal: this.#options.signal,
          attempt: attempt + 1,
        });
        this.#acknowledge(batch, response, Date.now() - started);
        return response;
      } catch (error) {
        if (error === REQUEUED) throw error;
        const next = await this.#afterFailure(batch, asStreamError(this.url, error), attempt, !close);
        if (next === "requeued") throw REQUEUED;
      }
    }
  }

  #acknowledge(batch: Outgoing, response: BufferedResponse, durationMs: number): void {
    const { duplicate, answer } = answerOf(response);
    batch.duplicate = duplicate;
    batch.answer = answer;
    const offset = answer.nextOffset;
    if (offset !== undefined && (this.#lastOffset === undefined || offset > this.#lastOffset))
      this.#lastOffset = offset;
    if (batch.epoch === this.#currentEpoch) {
      this.#established = true;
      this.#claimsInARow = 0;
    }
    const base = { url: this.url, producerId: this.producerId, epoch: batch.epoch, seq: batch.seq };
    if (batch.duplicate) {
      this.#duplicatesSinceFlush++;
      this.#stream.transport.report({ type: "producer:duplicate", ...base });
    }
    this.#stream.transport.report({
      type: "producer:batch-sent",
      ...base,
      items: batch.items,
      bytes: batch.bodyBytes,
      durationMs,
      offset,
    });
  }

  /** Decides what a failed attempt leads to; throws the error when the batch has failed. */
  async #afterFailure(batch: Outgoing, error: StreamError, attempt: number, mayRequeue: boolean): Promise<Next> {
    if (error instanceof StaleEpochError && error.serverEpoch !== undefined) {
      this.#serverEpoch = Math.max(this.#serverEpoch, error.serverEpoch);
    }
    if (error instanceof StaleEpochError && this.#options.autoClaim && mayRequeue) {
      if (batch.epoch === this.#currentEpoch) {
        if (++this.#claimsInARow > MAX_CLAIMS_IN_A_ROW) throw error;
        // §5.2.1 auto-claim: take over with an epoch above the server's.
        this.#startEpoch(Math.max(this.#currentEpoch, this.#serverEpoch) + 1);
      }
      this.#requeue(batch);
      return "requeued";
    }
    if (error.code === "SEQUENCE_GAP" && attempt < this.#policy.maxRetries) {
      const earlier = [...this.#active].filter((b) => b !== batch && b.epoch === batch.epoch && b.seq < batch.seq);
      await Promise.all(earlier.map((b) => b.settled));
      if (this.#failure) throw this.#failure;
      if (batch.epoch !== this.#currentEpoch && mayRequeue) {
        this.#requeue(batch);
        return "requeued";
      }
      // Once the earlier batches are in, the gap is filled; an unexplained gap backs off.
      if (earlier.length === 0) await this.#backoff(attempt, error);
      return "retry";
    }
    if (error.isRetryable && attempt < this.#policy.maxRetries) {
      await this.#backoff(attempt, error);
      return "retry";
    }
    throw error;
  }

  #backoff(attempt: number, error: StreamError): Promise<void> {
    const delayMs = retryDelay(this.#policy, attempt, error.retryAfterMs);
    this.#stream.transport.report({ type: "reconnect", url: this.url, attempt: attempt + 1, delayMs, error });
    return sleepUnlessAborted(delayMs, this.url, [this.#options.signal, this.#stream.transport.signal]);
  }

  #requeue(batch: Outgoing): void {
    this.#active.delete(batch);
    const at = this.#waiting.findIndex((waiting) => waiting.id > batch.id);
    this.#waiting.splice(at === -1 ? this.#waiting.length : at, 0, batch);
  }

  #startEpoch(epoch: number): void {
    this.#currentEpoch = epoch;
    this.#seq = 0;
    this.#established = false;
  }

  #fail(batch: Outgoing, error: StreamError): void {
    batch.fail(error);
    this.#stream.transport.report({
      type: "producer:batch-failed",
      url: this.url,
      producerId: this.producerId,
      epoch: batch.epoch,
      seq: batch.seq,
      error,
    });
    if (this.#failure) return;
    this.#failure = error;
    // Later batches cannot be sequenced after a lost one: they fail with it.
    for (const waiting of this.#waiting.splice(0)) waiting.fail(error);
    try {
      this.#options.onError?.(error);
    } catch {
      // A throwing error callback must not hide the failure from flush().
    }
  }
}

/** Thrown inside a delivery when its batch went back to the queue (auto-claim). */
const REQUEUED = Symbol("requeued");

function asStreamError(url: string, error: unknown): StreamError {
  if (error instanceof StreamError) return error;
  return new StreamError("NETWORK", error instanceof Error ? error.message : String(error), { url, cause: error });
}
