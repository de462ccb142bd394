/**
 * A long-running reader: hands batches to a handler (one at a time, or several at once, or
 * re-batched; see pipeline.ts), checkpoints the newest offset with nothing unfinished before
 * it, reconnects with backoff when a read fails, and can restart a failed run. A restarted
 * consumer resumes right after the work its handler finished — no loss, and no duplicates as
 * long as the handler's work and the checkpoint go together (at-least-once otherwise: work
 * that finished but whose checkpoint was not saved is handled again).
 */
import { isJsonContentType } from "@rivulet/protocol";
import { asyncDispose } from "../dispose.js";
import { type Endpoint, isEndpoint, openEndpoint } from "../endpoint.js";
import { GoneError, StreamError, usageError } from "../errors.js";
import { sleepUnlessAborted } from "../http/with-retries.js";
import { StreamResponse } from "../read/response.js";
import { lookupTime } from "../read/start.js";
import { checkedRetryPolicy, type RetryPolicy, retryDelay } from "../retry.js";
import {
  type ConsumerEnd,
  type ConsumerErrorDecision,
  type ConsumerErrorPhase,
  type ConsumerOptions,
  checkConsumerOptions,
  isResume,
  isUsageError,
  type PipelineSettings,
  RECONNECT_DEFAULTS,
  RESTART_DEFAULTS,
} from "./consumer-options.js";
import { MemoryOffsetStore, type OffsetStore } from "./offset-store.js";
import { Pipeline, type Work } from "./pipeline.js";

export class Consumer<T = unknown> {
  readonly url: string;
  readonly checkpointKey: string;
  readonly #endpoint: Endpoint;
  readonly #store: OffsetStore;
  readonly #reconnect: RetryPolicy;
  readonly #restart: RetryPolicy | undefined;
  readonly #settings: PipelineSettings<T>;
  /** The last saved checkpoint. */
  #position: string | undefined;
  /** Where the next read session starts: after everything already handed to the pipeline. */
  #readPosition: string | undefined;
  /** The seq of the message at the read position, once records told it (records mode). */
  #readSeq: number | undefined;
  #stopping = false;
  /** `onError` answered "stop": the run's failure is final, no restart. */
  #stopDecided = false;
  /** A checkpoint was saved in this run: restarts in a row start counting again. */
  #progressed = false;
  #readController = new AbortController();
  #handlerController = new AbortController();
  #pipeline: Pipeline<T> | undefined;
  #loop: Promise<ConsumerEnd> | undefined;
  /** The latest run, kept after it ends so `done` still reports how it ended. */
  #lastRun: Promise<ConsumerEnd> | undefined;

  readonly #options: ConsumerOptions<T>;
  /** Checks every option, the read options included (INVALID_ARGUMENT naming the first bad one). */
  constructor(options: ConsumerOptions<T>) {
    this.#options = options;
    this.#endpoint = isEndpoint(options.stream) ? options.stream : openEndpoint(options.stream);
    const url = this.#endpoint.url;
    this.url = url;
    this.#settings = checkConsumerOptions(url, options);
    checkedRetryPolicy(url, "read.retry", this.#endpoint.retry, options.read?.retry);
    this.#store = options.offsetStore ?? new MemoryOffsetStore();
    this.checkpointKey = options.checkpointKey ?? url;
    this.#reconnect = checkedRetryPolicy(url, "reconnect", RECONNECT_DEFAULTS, options.reconnect);
    const restart = options.restart;
    if (restart) {
      const { maxRestarts, backoff } = restart === true ? {} : restart;
      const policy = checkedRetryPolicy(url, "restart.backoff", RESTART_DEFAULTS, backoff);
      this.#restart = { ...policy, maxRetries: maxRestarts ?? Number.POSITIVE_INFINITY };
    }
  }

  /** The last checkpointed offset (after start(), the one it resumes from). */
  get offset(): string | undefined {
    return this.#position;
  }

  get running(): boolean {
    return this.#loop !== undefined;
  }

  /** Settles when the consumer ends: with how it ended, or rejected with what stopped it. */
  get done(): Promise<ConsumerEnd> {
    if (!this.#lastRun) return Promise.reject(usageError(this.url, "The consumer was never started"));
    return this.#lastRun;
  }

  /** Loads the checkpoint and starts reading; resolves once reading has begun. */
  async start(): Promise<void> {
    if (this.#loop) throw usageError(this.url, "The consumer is already running");
    this.#stopping = false;
    this.#readController = new AbortController();
    this.#handlerController = new AbortController();
    this.#position = (await this.#store.load(this.checkpointKey)) ?? undefined;
    const loop = this.#run().finally(() => {
      if (this.#loop === loop) this.#loop = undefined;
    });
    loop.catch(() => {});
    this.#loop = loop;
    this.#lastRun = loop;
  }

  /**
   * Stops reading; waits for the handlers in flight and their checkpoint, then resolves.
   * Batches read but not yet handed to a handler are dropped: the next start reads them again.
   */
  async stop(): Promise<void> {
    const loop = this.#loop;
    if (!loop) return;
    this.#stopping = true;
    this.#pipeline?.halt();
    this.#handlerController.abort();
    this.#readController.abort();
    await loop.catch(() => {});
  }

  /** `await using consumer = ...`: stops it at the end of the block. */
  async [asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Runs, and runs again after a failure when `restart` allows it. */
  async #run(): Promise<ConsumerEnd> {
    for (let restarts = 0; ; ) {
      this.#readPosition = this.#position;
      this.#readSeq = undefined;
      this.#stopDecided = false;
      this.#progressed = false;
      const pipeline = new Pipeline<T>(this.url, this.#settings, {
        handle: (work) => this.#handle(work),
        checkpoint: (offset) => this.#checkpoint(offset),
      });
      this.#pipeline = pipeline;
      let failure: unknown;
      try {
        return await this.#runOnce(pipeline);
      } catch (error) {
        failure = error;
      }
      // No handler of a failed run outlives it.
      pipeline.halt();
      await pipeline.settle();
      if (this.#progressed) restarts = 0;
      if (!this.#mayRestart(failure, restarts)) throw failure;
      restarts++;
      const delayMs = retryDelay(this.#restart!, restarts - 1, undefined);
      const key = this.checkpointKey;
      this.#endpoint.transport.report({
        type: "consumer:restart",
        url: this.url,
        key,
        attempt: restarts,
        delayMs,
        error: failure,
      });
      await sleepUnlessAborted(delayMs, this.url, [this.#readController.signal]).catch(() => {});
      if (this.#stopping) return { reason: "stopped" };
    }
  }

  #mayRestart(failure: unknown, restarts: number): boolean {
    if (!this.#restart || this.#stopping || this.#stopDecided || isUsageError(failure)) return false;
    return restarts < this.#restart.maxRetries;
  }

  async #runOnce(pipeline: Pipeline<T>): Promise<ConsumerEnd> {
    let attempt = 0;
    const live = this.#options.live ?? "auto";
    while (!this.#stopping) {
      try {
        const response = await StreamResponse.open<T>({
          url: this.url,
          transport: this.#endpoint.transport,
          contentType: this.#endpoint.contentType,
          handleRetry: this.#endpoint.retry,
          options: { ...this.#options.read, offset: this.#readFrom(), live, signal: this.#readController.signal },
        });
        for await (const batch of response.batches()) {
          attempt = 0;
          this.#readPosition = batch.offset;
          const last = batch.records?.at(-1);
          if (last) this.#readSeq = last.seq + 1;
          await pipeline.push(batch, isJsonContentType(response.contentType ?? ""));
          if (batch.closed) return await finish(pipeline, "closed");
          if (this.#stopping) break;
        }
        if (!this.#stopping && live === false) return await finish(pipeline, "caught-up");
      } catch (error) {
        if (pipeline.failed) throw pipeline.failed.error;
        if (this.#stopping) break;
        await this.#recoverRead(error, ++attempt);
      }
    }
    pipeline.halt();
    await pipeline.settle();
    if (pipeline.failed) throw pipeline.failed.error;
    return { reason: "stopped" };
  }

  #readFrom(): string {
    return this.#readPosition ?? this.#options.startOffset ?? "-1";
  }

  /** After a failed read: read on elsewhere, or wait and read again, or throw to end the run. */
  async #recoverRead(error: unknown, attempt: number): Promise<void> {
    const decision = await this.#decide(error, "read", attempt);
    if (isResume(decision)) return this.#skip(error, decision.resumeFrom, undefined);
    const earliest = this.#earliestAfterGone(error, decision);
    if (earliest !== undefined) return this.#skip(error, ...(await this.#countGap(earliest)));
    if (decision === "stop") this.#stopDecided = true;
    const retry = decision === "retry" || (decision === undefined && isRetryable(error));
    if (!retry || attempt > this.#reconnect.maxRetries) throw error;
    await this.#pause(attempt, error);
  }

  /** PROTOCOL §5.6: a 410 for data before the earliest retained offset, which the error may name. */
  #earliestAfterGone(error: unknown, decision: ConsumerErrorDecision): string | undefined {
    if (decision !== undefined || this.#options.onGone !== "earliest" || !(error instanceof GoneError))
      return undefined;
    return error.earliestOffset;
  }

  /**
   * Where to resume after a 410, and how many messages that skips. The count needs the seq at
   * the read position (known in records mode) and the earliest message's: `HEAD ?at=0` names
   * the earliest retained message and its seq in one answer (a later one than the 410's if
   * retention moved on since). Without either, the 410's earliest offset, count unknown.
   */
  async #countGap(earliest: string): Promise<[string, number | undefined]> {
    const from = this.#readSeq;
    if (from === undefined) return [earliest, undefined];
    const ask = { ...this.#options.read, signal: this.#readController.signal };
    const found = await lookupTime(this.#endpoint, 0, ask).catch(() => undefined);
    if (found?.seq === undefined) return [earliest, undefined];
    this.#readSeq = found.seq;
    return [found.offset, Math.max(0, found.seq - from)];
  }

  /** Reads on from `to`; the first read there is a position like any other, checkpointed in turn. */
  #skip(error: unknown, to: string, messages: number | undefined): void {
    if (typeof to !== "string" || to.length === 0) {
      this.#stopDecided = true;
      throw usageError(this.url, `onError answered resumeFrom ${JSON.stringify(to)}; it must be an offset`);
    }
    const from = this.#readFrom();
    this.#readPosition = to;
    if (messages === undefined) this.#readSeq = undefined;
    this.#endpoint.transport.report({
      type: "consumer:skipped",
      url: this.url,
      key: this.checkpointKey,
      from,
      to,
      messages,
      error,
    });
  }

  /** Runs the handler for one batch with the retry and skip rules; false when given up at stop. */
  async #handle(work: Work<T>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#options.handler(work.batch, { signal: this.#handlerController.signal, key: work.key });
        return true;
      } catch (error) {
        // Stopping: a handler that gave up on the abort is not a failure; its batch stays unfinished.
        if (this.#stopping) return false;
        const decision = await this.#decide(error, "handler", attempt);
        if (decision === "skip") return true;
        if (decision === "stop") this.#stopDecided = true;
        if (decision !== "retry") throw error;
        await this.#pause(attempt, error);
        if (this.#stopping) return false;
      }
    }
  }

  async #checkpoint(offset: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#store.save(this.checkpointKey, offset);
        this.#position = offset;
        this.#progressed = true;
        this.#endpoint.transport.report({
          type: "consumer:checkpoint",
          url: this.url,
          key: this.checkpointKey,
          offset,
        });
        return;
      } catch (error) {
        const decision = await this.#decide(error, "checkpoint", attempt);
        if (decision === "stop") this.#stopDecided = true;
        if (decision !== "retry") throw error;
        await this.#pause(attempt, error);
        // Stopping: the checkpoint stays where it was; the work after it is handled again next time.
        if (this.#stopping) return;
      }
    }
  }

  async #decide(error: unknown, phase: ConsumerErrorPhase, attempt: number): Promise<ConsumerErrorDecision> {
    if (!this.#options.onError) return undefined;
    return (await this.#options.onError(error, { phase, attempt })) ?? undefined;
  }

  async #pause(attempt: number, error: unknown): Promise<void> {
    const retryAfterMs = error instanceof StreamError ? error.retryAfterMs : undefined;
    const delayMs = retryDelay(this.#reconnect, attempt - 1, retryAfterMs);
    if (error instanceof StreamError) {
      this.#endpoint.transport.report({ type: "reconnect", url: this.url, attempt, delayMs, error });
    }
    try {
      await sleepUnlessAborted(delayMs, this.url, [this.#readController.signal]);
    } catch {
      // stop() during the pause: the caller sees `stopping` and ends.
    }
  }
}

async function finish<T>(pipeline: Pipeline<T>, reason: ConsumerEnd["reason"]): Promise<ConsumerEnd> {
  await pipeline.drain();
  return { reason };
}

function isRetryable(error: unknown): boolean {
  return error instanceof StreamError && error.isRetryable;
}
