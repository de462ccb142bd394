/**
 * The consumer's work between reading and checkpointing: read batches in, handler calls
 * out, up to `concurrency` at once, optionally re-batched by size and time and kept in
 * order per key; a checkpoint whenever the newest offset with nothing unfinished before it
 * moves on. Reading waits while the pipeline is full, so a slow handler slows the reader.
 */
import { usageError } from "../errors.js";
import type { Batch } from "../read/batch.js";
import { CompletionTracker } from "./completion-tracker.js";
import type { PipelineSettings } from "./consumer-options.js";
import { ItemBatch } from "./item-batch.js";

export interface Work<T> {
  readonly batch: Batch<T>;
  readonly key: string | undefined;
}

export interface PipelineHooks<T> {
  /** Runs the handler with the consumer's retry and skip rules: false if given up at stop; throws to end the run. */
  handle(work: Work<T>): Promise<boolean>;
  /** Saves a checkpoint with the consumer's retry rules; throws to end the run. */
  checkpoint(offset: string): Promise<void>;
}

/** Items waiting for their handler batch to fill up. */
interface OpenBatch<T> {
  items: T[];
  ids: number[];
  lastRead: Batch<T>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Queued<T> extends Work<T> {
  /** The tracker's numbers of what this work covers. */
  readonly ids: readonly number[];
}

export class Pipeline<T> {
  readonly #tracker = new CompletionTracker<string>();
  readonly #queue: Queued<T>[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #busyKeys = new Set<string>();
  readonly #open = new Map<string, OpenBatch<T>>();
  #saving: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;
  #halted = false;
  #waiters: (() => void)[] = [];

  readonly #url: string;
  readonly #settings: PipelineSettings<T>;
  readonly #hooks: PipelineHooks<T>;
  constructor(url: string, settings: PipelineSettings<T>, hooks: PipelineHooks<T>) {
    this.#url = url;
    this.#settings = settings;
    this.#hooks = hooks;
  }

  /** Whether items are re-batched (by key or size) rather than read batches handed on as they are. */
  get #itemWise(): boolean {
    return this.#settings.key !== undefined || this.#settings.batchSize !== undefined;
  }

  /** The failure that ended the run, once one did. */
  get failed(): { error: unknown } | undefined {
    return this.#failure;
  }

  /** Takes one read batch; resolves when there is room for the next. Rejects with the run's failure. */
  async push(batch: Batch<T>, json: boolean): Promise<void> {
    try {
      if (this.#itemWise) this.#takeItems(batch, json);
      else this.#takeBatch(batch, json);
    } catch (error) {
      // A read whose items were not all taken must not become a position to checkpoint.
      this.#fail(error);
      throw error;
    }
    // Empty reads are positions too: after `offset: "now"` this pins down where "now" was.
    this.#tracker.mark(batch.offset);
    this.#dispatch();
    this.#advance();
    await this.#until(() => this.#hasRoom());
  }

  /** Hands out everything buffered and waits until it is handled and checkpointed (EOF, caught up). */
  async drain(): Promise<void> {
    for (const key of [...this.#open.keys()]) this.#seal(key);
    this.#dispatch();
    await this.#until(() => this.#queue.length === 0 && this.#idle());
  }

  /** Stops taking work: queued and buffered items are dropped (they are re-read from the checkpoint). */
  halt(): void {
    this.#halted = true;
    for (const batch of this.#open.values()) clearTimeout(batch.timer);
    this.#open.clear();
    this.#queue.length = 0;
    this.#wake();
  }

  /** Waits for the handlers in flight and the checkpoint they lead to; never rejects. */
  async settle(): Promise<void> {
    while (!this.#idle()) await this.#next();
  }

  #takeBatch(batch: Batch<T>, json: boolean): void {
    const hasData = json ? batch.items.length > 0 : batch.data.length > 0;
    if (hasData || batch.closed) this.#queue.push({ batch, key: undefined, ids: [this.#tracker.add(1)] });
  }

  #takeItems(batch: Batch<T>, json: boolean): void {
    if (!json) throw usageError(this.#url, "key and batchSize re-batch the items of an application/json stream");
    const first = this.#tracker.add(batch.items.length);
    for (const [index, item] of batch.items.entries()) this.#collect(item, first + index, batch);
    // Without a size, a read's items are cut per key at the end of the read.
    if (this.#settings.batchSize === undefined) for (const key of [...this.#open.keys()]) this.#seal(key);
  }

  #collect(item: T, id: number, read: Batch<T>): void {
    const key = this.#settings.key ? String(this.#settings.key(item)) : "";
    let batch = this.#open.get(key);
    if (!batch) {
      batch = { items: [], ids: [], lastRead: read, timer: undefined };
      this.#open.set(key, batch);
    }
    batch.items.push(item);
    batch.ids.push(id);
    batch.lastRead = read;
    const { batchSize, batchTimeoutMs } = this.#settings;
    if (batchSize === undefined) return;
    if (batch.items.length >= batchSize) this.#seal(key);
    else
      batch.timer ??= setTimeout(() => {
        this.#seal(key);
        this.#dispatch();
        this.#wake();
      }, batchTimeoutMs);
  }

  #seal(key: string): void {
    const batch = this.#open.get(key);
    if (!batch) return;
    this.#open.delete(key);
    clearTimeout(batch.timer);
    this.#queue.push({
      batch: new ItemBatch(batch.items, batch.lastRead),
      key: this.#settings.key ? key : undefined,
      ids: batch.ids,
    });
  }

  #dispatch(): void {
    // Per key, the oldest queued batch goes first and alone; other keys may pass it.
    for (let i = 0; i < this.#queue.length && this.#running.size < this.#settings.concurrency && !this.#failure; ) {
      const work = this.#queue[i]!;
      if (work.key !== undefined && this.#busyKeys.has(work.key)) {
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      this.#start(work);
    }
  }

  #start(work: Queued<T>): void {
    if (work.key !== undefined) this.#busyKeys.add(work.key);
    const task: Promise<void> = this.#hooks
      .handle(work)
      .then(
        (finished) => {
          if (finished) for (const id of work.ids) this.#tracker.finish(id);
        },
        (error: unknown) => this.#fail(error),
      )
      .finally(() => {
        if (work.key !== undefined) this.#busyKeys.delete(work.key);
        this.#running.delete(task);
        this.#dispatch();
        this.#advance();
        this.#wake();
      });
    this.#running.add(task);
  }

  /** Saves the newest position with nothing unfinished before it, one save at a time. */
  #advance(): void {
    if (this.#saving || this.#failure) return;
    const offset = this.#tracker.take();
    if (offset === undefined) return;
    this.#saving = this.#hooks
      .checkpoint(offset)
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        this.#saving = undefined;
        this.#advance();
        this.#wake();
      });
  }

  #hasRoom(): boolean {
    if (this.#failure || this.#halted) return true;
    const { concurrency, batchSize } = this.#settings;
    let buffered = 0;
    for (const batch of this.#open.values()) buffered += batch.items.length;
    // Read batches: one each per handler. Re-batched: a batch ready for each, and their items.
    const pending = this.#itemWise ? 2 * concurrency : concurrency;
    return (
      this.#queue.length + this.#running.size < pending &&
      this.#saving === undefined &&
      buffered < (batchSize ?? 1) * concurrency
    );
  }

  #idle(): boolean {
    return this.#running.size === 0 && this.#saving === undefined;
  }

  #fail(error: unknown): void {
    this.#failure ??= { error };
    this.#wake();
  }

  async #until(condition: () => boolean): Promise<void> {
    while (!this.#failure && !condition()) await this.#next();
    if (this.#failure) throw this.#failure.error;
  }

  #next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
