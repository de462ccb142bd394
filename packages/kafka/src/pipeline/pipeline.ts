/**
 * `kafka.pipeline(topic, { group, processors, batchers, handleMessage, handleBatch })`:
 * records flow consumer → processors (`handleMessage`, up to `processors.concurrency` at once,
 * per-key order) → batchers (by size or timeout) → `handleBatch` (up to each batcher's
 * `concurrency` at once). Demand is bounded: no record is taken from the consumer while
 * `maxInFlight` are unfinished, so the consumer's buffer fills and its fetching pauses.
 * A message is finished — and its offset may be committed — only when its whole path
 * finished (message and batch), was dead-lettered or dropped; the consumer's completion
 * tracker commits the lowest contiguous finished position, never past unfinished work.
 */
import type { Consumer } from "../consumer/consumer.js";
import { DeadLetters } from "../consumer/dead-letter.js";
import type { DeliveredRecord } from "../consumer/record.js";
import { KafkaError } from "../errors.js";
import { Batcher } from "./batcher.js";
import { deferred, KeyOrder } from "./key-order.js";
import { makeMessage, type TrackedMessage } from "./message.js";
import type { BatchInfo, PipelineEvent, ResolvedPipeline } from "./options.js";
import { attempt } from "./retry.js";
import { Slots } from "./slots.js";

export interface PipelineStats {
  /** Taken from the consumer and not finished. */
  readonly inFlight: number;
  readonly inHandleMessage: number;
  /** Messages in batches being handled. */
  readonly inHandleBatch: number;
  readonly batchesInHandleBatch: number;
  /** Messages in batchers, waiting for their batch to fill or time out. */
  readonly waitingInBatchers: number;
}

export class Pipeline<T = unknown> {
  readonly group: string;
  readonly #processorSlots: Slots;
  readonly #batchSlots = new Map<string, Slots>();
  readonly #batchers = new Map<string, Batcher<TrackedMessage<T>>>();
  readonly #messageOrder = new KeyOrder();
  readonly #batchOrder = new KeyOrder();
  readonly #deadLetters: DeadLetters<T> | undefined;
  readonly #defaultBatcher: string | undefined;
  #inFlight = 0;
  #inProcessors = 0;
  #inHandleMessage = 0;
  #inHandleBatch = 0;
  #batchesInHandleBatch = 0;
  #roomWaiters: (() => void)[] = [];
  #running: Promise<void> | undefined;
  #draining = false;
  #drained: Promise<void> | undefined;
  #failure: KafkaError | undefined;

  constructor(
    private readonly consumer: Consumer<T>,
    private readonly settings: ResolvedPipeline<T>,
  ) {
    this.group = consumer.group;
    this.#processorSlots = new Slots(settings.concurrency);
    for (const batcher of settings.batchers.values()) {
      this.#batchSlots.set(batcher.name, new Slots(batcher.concurrency));
      this.#batchers.set(
        batcher.name,
        new Batcher(batcher, (messages, trigger) => void this.#runBatch(batcher.name, messages, trigger)),
      );
    }
    this.#defaultBatcher = settings.batchers.has("default") ? "default" : settings.batchers.keys().next().value;
    this.#deadLetters = settings.deadLetter === undefined ? undefined : new DeadLetters(consumer, settings.deadLetter);
    settings.signal?.addEventListener("abort", () => void this.drain().catch(() => {}), { once: true });
  }

  /**
   * Joins the group and runs until `drain()` (or the signal) ends it; resolves once drained,
   * rejects with the failure that stopped it (a message that failed without a dead-letter
   * topic or `drop`, a dead letter that could not be written, a consumer failure).
   */
  run(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /** Stops fetching, finishes the messages in flight (partial batches are handed over at once), commits, and leaves the group. */
  drain(): Promise<void> {
    this.#drained ??= this.#drain();
    return this.#drained;
  }

  stats(): PipelineStats {
    let waiting = 0;
    for (const batcher of this.#batchers.values()) waiting += batcher.waiting;
    return {
      inFlight: this.#inFlight,
      inHandleMessage: this.#inHandleMessage,
      inHandleBatch: this.#inHandleBatch,
      batchesInHandleBatch: this.#batchesInHandleBatch,
      waitingInBatchers: waiting,
    };
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    this.#wakeLoop();
    this.#flushIfIdle();
    // The consumer's close stops fetching, waits for every record handed out to be settled,
    // commits what finished and leaves the group (its partitions move at once).
    await this.consumer.close();
    this.emit({ type: "pipeline:drained", group: this.group });
  }

  async #run(): Promise<void> {
    try {
      if (this.settings.signal?.aborted) throw new KafkaError("ABORTED", "The pipeline's signal was aborted");
      await this.#takeRecords();
    } catch (error) {
      this.#failure ??= asKafkaError(error);
    }
    await this.drain();
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** The demand loop: a record is taken only while fewer than `maxInFlight` are unfinished. */
  async #takeRecords(): Promise<void> {
    while (!this.#draining && this.#failure === undefined) {
      while (this.#inFlight >= this.settings.maxInFlight && !this.#draining) {
        await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
      }
      if (this.#draining) return;
      const record = await this.consumer.poll();
      if (record === undefined) return;
      this.#inFlight += 1;
      void this.#runMessage(record);
    }
  }

  async #runMessage(record: DeliveredRecord<T>): Promise<void> {
    const message = makeMessage(record, this.#defaultBatcher);
    const { settings } = this;
    const key = this.#keyOf(record);
    const done = deferred();
    const turn = key === undefined ? undefined : this.#messageOrder.enter([key], done.promise);
    this.#inProcessors += 1;
    try {
      await turn;
      const failed = await this.#processorSlots.run(async () => {
        this.#inHandleMessage += 1;
        try {
          return await attempt(
            () => settings.handleMessage(message),
            settings.maxAttempts,
            settings.backoffMs,
            (n, error) => this.#retrying("message", n, error),
          );
        } finally {
          this.#inHandleMessage -= 1;
        }
      });
      if (failed !== undefined) {
        message.attempts = failed.attempts;
        message.fail(failed.error);
      }
    } finally {
      done.resolve();
      this.#inProcessors -= 1;
    }
    // No await between leaving the processor stage and entering a batcher: the messages of a
    // key reach their batcher in the order they were handled.
    this.#route(message);
    this.#flushIfIdle();
  }

  #route(message: TrackedMessage<T>): void {
    if (message.failure !== undefined) {
      void this.#failed(message);
      return;
    }
    if (message.batcher === undefined) {
      this.#finish(message);
      return;
    }
    const batcher = this.#batchers.get(message.batcher);
    if (batcher === undefined) {
      message.fail(
        new KafkaError(
          "UNKNOWN_BATCHER",
          `handleMessage routed a message to batcher "${message.batcher}", which is not configured`,
        ),
      );
      void this.#failed(message);
      return;
    }
    batcher.add(message);
  }

  async #runBatch(name: string, messages: TrackedMessage<T>[], trigger: BatchInfo["trigger"]): Promise<void> {
    const { settings } = this;
    const keys = messages.flatMap((m) => {
      const key = this.#keyOf(m.record);
      return key === undefined ? [] : [`${name}\u0000${key}`];
    });
    const done = deferred();
    const turn = this.#batchOrder.enter(keys, done.promise);
    const started = Date.now();
    let failed: { error: unknown; attempts: number } | undefined;
    try {
      await turn;
      failed = await this.#batchSlots.get(name)!.run(async () => {
        this.#inHandleBatch += messages.length;
        this.#batchesInHandleBatch += 1;
        try {
          return await attempt(
            () => settings.handleBatch!(name, messages, { batcher: name, trigger }),
            settings.maxAttempts,
            settings.backoffMs,
            (n, error) => this.#retrying("batch", n, error),
          );
        } finally {
          this.#inHandleBatch -= messages.length;
          this.#batchesInHandleBatch -= 1;
        }
      });
    } finally {
      done.resolve();
    }
    this.emit({
      type: "pipeline:batch",
      group: this.group,
      batcher: name,
      size: messages.length,
      trigger,
      durationMs: Date.now() - started,
    });
    for (const message of messages) {
      if (failed !== undefined && message.failure === undefined) {
        message.attempts = failed.attempts;
        message.fail(failed.error);
      }
      if (message.failure !== undefined) void this.#failed(message);
      else this.#finish(message);
    }
  }

  /** The whole path finished: the offset may be committed once everything before it in its partition finished too. */
  #finish(message: TrackedMessage<T>): void {
    this.consumer.settle(message.record, true);
    this.#flush();
    this.#release();
  }

  #flush(): void {
    void this.consumer.committer.flush().catch(() => {
      // A failed commit is covered by the next one (or by the drain's).
    });
  }

  /** The failure route: dead letter (with its commit, in one transaction), drop, or stop the pipeline. */
  async #failed(message: TrackedMessage<T>): Promise<void> {
    const { record } = message;
    const at = { topic: record.topic, partition: record.partition, offset: record.offset };
    const error = message.failure;
    if (this.#deadLetters !== undefined && this.#failure === undefined) {
      try {
        await this.#deadLetters.send(record, error, message.attempts);
        this.emit({
          type: "pipeline:dead-letter",
          group: this.group,
          topic: this.settings.deadLetter!.topic,
          message: at,
          error,
        });
        this.consumer.settle(record, true);
        // Messages after it that finished while the transaction was out may be committed now.
        this.#flush();
      } catch (dlqError) {
        this.consumer.settle(record, false);
        this.#stop(asKafkaError(dlqError));
      }
    } else if (this.settings.drop && this.#failure === undefined) {
      this.emit({ type: "pipeline:dropped", group: this.group, message: at, error });
      this.consumer.settle(record, true);
      this.#flush();
    } else {
      // Not finished: commits stop before it and it is delivered again to the next owner.
      this.consumer.settle(record, false);
      this.#stop(asKafkaError(error));
    }
    this.#release();
  }

  #stop(error: KafkaError): void {
    this.#failure ??= error;
    this.consumer.fail(this.#failure);
    this.#wakeLoop();
  }

  #release(): void {
    this.#inFlight -= 1;
    this.#wakeLoop();
  }

  #wakeLoop(): void {
    for (const resolve of this.#roomWaiters.splice(0)) resolve();
  }

  /** Draining: once no message is left in the processor stage, nothing more can join a batch, so partial batches go now. */
  #flushIfIdle(): void {
    if (!this.#draining || this.#inProcessors > 0) return;
    for (const batcher of this.#batchers.values()) batcher.flush();
  }

  #retrying(stage: "message" | "batch", attemptNumber: number, error: unknown): void {
    this.emit({ type: "pipeline:retry", group: this.group, stage, attempt: attemptNumber, error });
  }

  #keyOf(record: DeliveredRecord<T>): string | undefined {
    if (!this.settings.perKeyOrdering || record.key === null) return undefined;
    return `${record.topic}/${record.partition}/${record.key}`;
  }

  emit(event: PipelineEvent): void {
    try {
      this.settings.onEvent(event);
    } catch {
      // A hook's failure must not break the pipeline.
    }
  }
}

function asKafkaError(error: unknown): KafkaError {
  if (error instanceof KafkaError) return error;
  return new KafkaError("HANDLER_FAILED", error instanceof Error ? error.message : String(error), { cause: error });
}
