/**
 * A long-running reader: hands each batch to a handler, checkpoints the offset after the
 * handler finishes, and reconnects with backoff when the read fails. A restarted consumer
 * resumes right after the last batch its handler finished — no loss, and no duplicates as
 * long as the handler's work and the checkpoint go together (at-least-once otherwise: a
 * batch whose handler finished but whose checkpoint was not saved is handled again).
 */
import { isJsonContentType } from "@rivulet/protocol";
import { checkFunction, checkOneOf } from "../check.js";
import { asyncDispose } from "../dispose.js";
import { type Endpoint, type EndpointOptions, isEndpoint, openEndpoint } from "../endpoint.js";
import { StreamError, usageError } from "../errors.js";
import { sleepUnlessAborted } from "../http/with-retries.js";
import type { MaybePromise } from "../options.js";
import type { Batch } from "../read/batch.js";
import { checkReadOptions, LIVE_MODES, type LiveMode, type ReadOptions } from "../read/read-options.js";
import { StreamResponse } from "../read/response.js";
import { checkedRetryPolicy, type RetryOptions, type RetryPolicy, retryDelay } from "../retry.js";
import { MemoryOffsetStore, type OffsetStore } from "./offset-store.js";

export type ConsumerHandler<T> = (batch: Batch<T>, context: { signal: AbortSignal }) => MaybePromise<void>;

export type ConsumerErrorPhase = "read" | "handler" | "checkpoint";

/**
 * `undefined`: the default — reconnect after retryable read errors, stop on anything else.
 * `"retry"`: try again after backoff (re-read, re-run the handler, re-save the checkpoint).
 * `"skip"`: (handler errors) checkpoint past the batch and go on. `"stop"`: end the consumer.
 */
export type ConsumerErrorDecision = undefined | "retry" | "skip" | "stop";

export interface ConsumerOptions<T = unknown> {
  /** A `DurableStream` (its options and transport are shared), or the options to make one. */
  stream: Endpoint | EndpointOptions;
  /** Called for every batch with data, and for the final batch of a closed stream. */
  handler: ConsumerHandler<T>;
  /** Default: a MemoryOffsetStore. */
  offsetStore?: OffsetStore;
  /** The checkpoint's key in the store (default: the stream URL). */
  checkpointKey?: string;
  /** Where to start when there is no checkpoint (default `"-1"`). */
  startOffset?: string;
  /** Default `"auto"`. With `false` the consumer stops once caught up. */
  live?: LiveMode;
  /** Backoff between read sessions (default 250 ms to 30 s, forever). */
  reconnect?: RetryOptions;
  onError?: (
    error: unknown,
    info: { phase: ConsumerErrorPhase; attempt: number },
    // biome-ignore lint/suspicious/noConfusingVoidType: returning nothing means "default".
  ) => MaybePromise<ConsumerErrorDecision | void>;
  /** Options of each read session (headers, timeouts, auto fallback, validation...). */
  read?: Omit<ReadOptions<T>, "offset" | "live" | "signal">;
}

export interface ConsumerEnd {
  /** `stopped` by stop(), `closed` at the stream's EOF, `caught-up` for live: false. */
  reason: "stopped" | "closed" | "caught-up";
}

const RECONNECT_DEFAULTS: RetryOptions = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetries: Number.POSITIVE_INFINITY,
};

/** Carries a failure out of the read loop without it being taken for a read error. */
class Fatal {
  constructor(readonly error: unknown) {}
}

/** stop() came while a handler kept failing: end without checkpointing that batch. */
const STOPPED = Symbol("stopped");

export class Consumer<T = unknown> {
  readonly url: string;
  private readonly endpoint: Endpoint;
  readonly checkpointKey: string;
  private readonly store: OffsetStore;
  private readonly policy: RetryPolicy;
  private position: string | undefined;
  private stopping = false;
  private readController = new AbortController();
  private handlerController = new AbortController();
  private loop: Promise<ConsumerEnd> | undefined;
  /** The latest run, kept after it ends so `done` still reports how it ended. */
  private lastRun: Promise<ConsumerEnd> | undefined;

  /** Checks every option, the read options included (INVALID_ARGUMENT naming the first bad one). */
  constructor(private readonly options: ConsumerOptions<T>) {
    this.endpoint = isEndpoint(options.stream) ? options.stream : openEndpoint(options.stream);
    const url = this.endpoint.url;
    this.url = url;
    checkFunction(url, "handler", options.handler, true);
    checkOneOf(url, "live", options.live, LIVE_MODES);
    checkReadOptions(url, options.read ?? {}, "read.");
    checkedRetryPolicy(url, "read.retry", this.endpoint.retry, options.read?.retry);
    this.store = options.offsetStore ?? new MemoryOffsetStore();
    this.checkpointKey = options.checkpointKey ?? url;
    this.policy = checkedRetryPolicy(url, "reconnect", RECONNECT_DEFAULTS, options.reconnect);
  }

  /** The last checkpointed offset (after start(), the one it resumes from). */
  get offset(): string | undefined {
    return this.position;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  /** Settles when the (latest) run ends: with how it ended, or rejected with what stopped it. */
  get done(): Promise<ConsumerEnd> {
    if (!this.lastRun) return Promise.reject(usageError(this.url, "The consumer was never started"));
    return this.lastRun;
  }

  /** Loads the checkpoint and starts reading; resolves once reading has begun. */
  async start(): Promise<void> {
    if (this.loop) throw usageError(this.url, "The consumer is already running");
    this.stopping = false;
    this.readController = new AbortController();
    this.handlerController = new AbortController();
    this.position = (await this.store.load(this.checkpointKey)) ?? undefined;
    const loop = this.run().finally(() => {
      if (this.loop === loop) this.loop = undefined;
    });
    loop.catch(() => {});
    this.loop = loop;
    this.lastRun = loop;
  }

  /** Stops reading; waits for the handler in flight and its checkpoint, then resolves. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.stopping = true;
    this.handlerController.abort();
    this.readController.abort();
    await loop.catch(() => {});
  }

  /** `await using consumer = ...`: stops it at the end of the block (the handler in flight finishes and is checkpointed). */
  async [asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async run(): Promise<ConsumerEnd> {
    let attempt = 0;
    const live = this.options.live ?? "auto";
    while (!this.stopping) {
      try {
        const response = await StreamResponse.open<T>({
          url: this.url,
          transport: this.endpoint.transport,
          contentType: this.endpoint.contentType,
          handleRetry: this.endpoint.retry,
          options: {
            ...this.options.read,
            offset: this.position ?? this.options.startOffset ?? "-1",
            live,
            signal: this.readController.signal,
          },
        });
        for await (const batch of response.batches()) {
          attempt = 0;
          await this.process(batch, isJsonContentType(response.contentType ?? ""));
          if (batch.closed) return { reason: "closed" };
          if (this.stopping) break;
        }
        if (!this.stopping && live === false) return { reason: "caught-up" };
      } catch (error) {
        if (error instanceof Fatal) throw error.error;
        if (error === STOPPED || this.stopping) break;
        attempt++;
        const decision = await this.decide(error, "read", attempt);
        const retry = decision === "retry" || (decision === undefined && isRetryable(error));
        if (!retry || attempt > this.policy.maxRetries) throw error;
        await this.pause(attempt, error);
      }
    }
    return { reason: "stopped" };
  }

  /** Runs the handler (for batches with data, or EOF), then checkpoints the batch's offset. */
  private async process(batch: Batch<T>, json: boolean): Promise<void> {
    const hasData = json ? batch.items.length > 0 : batch.data.length > 0;
    if (hasData || batch.closed) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.options.handler(batch, { signal: this.handlerController.signal });
          break;
        } catch (error) {
          const decision = await this.decide(error, "handler", attempt);
          if (decision === "skip") break;
          if (decision !== "retry") throw new Fatal(error);
          await this.pause(attempt, error);
          if (this.stopping) throw STOPPED;
        }
      }
    }
    // Empty batches are checkpointed too: after `offset: "now"` this pins down where "now" was.
    if (batch.offset !== this.position) await this.checkpoint(batch.offset);
  }

  private async checkpoint(offset: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.save(this.checkpointKey, offset);
        this.position = offset;
        this.endpoint.transport.report({
          type: "consumer:checkpoint",
          url: this.url,
          key: this.checkpointKey,
          offset,
        });
        return;
      } catch (error) {
        const decision = await this.decide(error, "checkpoint", attempt);
        if (decision !== "retry") throw new Fatal(error);
        await this.pause(attempt, error);
        if (this.stopping) throw STOPPED;
      }
    }
  }

  private async decide(error: unknown, phase: ConsumerErrorPhase, attempt: number): Promise<ConsumerErrorDecision> {
    if (!this.options.onError) return undefined;
    try {
      return (await this.options.onError(error, { phase, attempt })) ?? undefined;
    } catch (thrown) {
      throw new Fatal(thrown);
    }
  }

  private async pause(attempt: number, error: unknown): Promise<void> {
    const retryAfterMs = error instanceof StreamError ? error.retryAfterMs : undefined;
    const delayMs = retryDelay(this.policy, attempt - 1, retryAfterMs);
    if (error instanceof StreamError) {
      this.endpoint.transport.report({ type: "reconnect", url: this.url, attempt, delayMs, error });
    }
    try {
      await sleepUnlessAborted(delayMs, this.url, [this.readController.signal]);
    } catch {
      // stop() during the pause: the loop sees `stopping` and ends.
    }
  }
}

function isRetryable(error: unknown): boolean {
  return error instanceof StreamError && error.isRetryable;
}
