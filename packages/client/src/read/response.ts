/**
 * The result of opening a read: one session, consumable once, in the style the caller
 * prefers — async iteration of batches, items, bytes or text; a ReadableStream; a callback
 * subscription; or, for catch-up reads, a single `json()`, `text()` or `bytes()`.
 */
import { asyncDispose } from "../dispose.js";
import { StreamError, usageError } from "../errors.js";
import type { Transport } from "../http/transport.js";
import type { ReadMode } from "../observability/events.js";
import { checkedRetryPolicy, type RetryPolicy } from "../retry.js";
import { type Batch, ReadBatch } from "./batch.js";
import { chunkByteLength, concatBytes, type RawChunk } from "./chunk.js";
import { checkReadOptions, type LiveMode, type ReadOptions } from "./read-options.js";
import type { StreamRecord } from "./records.js";
import { ReadSession } from "./session.js";
import { resolveStart } from "./start.js";
import { type BatchHandler, type SubscribeOptions, type Subscription, subscribeBatches } from "./subscribe.js";

/** The abort reason of `cancel()`: ends consumption quietly instead of with ABORTED. */
class Cancelled {
  constructor(readonly reason: unknown) {}
}

export interface OpenReadInit<T> {
  url: string;
  transport: Transport;
  options: ReadOptions<T>;
  contentType: string | undefined;
  handleRetry?: RetryPolicy | undefined;
}

export class StreamResponse<T = unknown> implements AsyncIterable<Batch<T>> {
  readonly url: string;
  readonly live: LiveMode;
  #consumedBy: string | undefined;
  #pending: IteratorResult<RawChunk> | undefined;
  #state: { offset: string; cursor: string | undefined; upToDate: boolean; closed: boolean };

  readonly #transport: Transport;
  readonly #session: ReadSession;
  readonly #source: AsyncGenerator<RawChunk, void, undefined>;
  readonly #controller: AbortController;
  readonly #validate: ((item: unknown) => T) | undefined;
  readonly #records: boolean;

  private constructor(
    url: string,
    transport: Transport,
    session: ReadSession,
    source: AsyncGenerator<RawChunk, void, undefined>,
    controller: AbortController,
    options: ReadOptions<T>,
    first: IteratorResult<RawChunk>,
  ) {
    this.#transport = transport;
    this.#session = session;
    this.#source = source;
    this.#controller = controller;
    this.#validate = options.validate;
    this.#records = Boolean(options.records);
    this.url = url;
    this.live = session.live;
    this.#pending = first;
    this.#state = { offset: session.offset, cursor: session.cursor, upToDate: false, closed: false };
  }

  /**
   * Opens a session and makes its first request, so a missing stream or a refused request
   * fails here rather than at the first iteration.
   */
  static async open<T>(init: OpenReadInit<T>): Promise<StreamResponse<T>> {
    const controller = new AbortController();
    const caller = init.options.signal;
    if (caller?.aborted) controller.abort(caller.reason);
    else if (caller) {
      const forward = () => controller.abort(caller.reason);
      caller.addEventListener("abort", forward, { once: true });
      // A long-lived caller signal must not keep a listener per finished read.
      controller.signal.addEventListener("abort", () => caller.removeEventListener("abort", forward), { once: true });
    }
    const { url, transport, options } = init;
    let session: ReadSession;
    let start: string;
    try {
      checkReadOptions(url, options);
      const retry = checkedRetryPolicy(url, "retry", init.handleRetry, options.retry);
      const resolved = await resolveStart({ url, transport, retry, contentType: init.contentType }, options);
      start = resolved.offset;
      session = new ReadSession({
        url,
        transport,
        options: options as ReadOptions<unknown>,
        offset: start,
        contentType: resolved.contentType,
        signal: controller.signal,
        handleRetry: init.handleRetry,
      });
    } catch (error) {
      // Bad options or no start: release the caller's signal, which the aborted controller unhooks.
      controller.abort(error);
      throw error;
    }
    const source = session.chunks();
    const first = await source.next();
    const response = new StreamResponse<T>(url, transport, session, source, controller, options, first);
    response.#state.offset = start;
    return response;
  }

  /** The stream's content type, once a response has told it. */
  get contentType(): string | undefined {
    return this.#session.contentType;
  }

  /** The offset after the last delivered batch (the start offset before any). */
  get offset(): string {
    return this.#state.offset;
  }

  get cursor(): string | undefined {
    return this.#state.cursor;
  }

  get upToDate(): boolean {
    return this.#state.upToDate;
  }

  /** EOF has been delivered. */
  get closed(): boolean {
    return this.#state.closed;
  }

  /** The kind of request the session makes next: shows auto mode's fallback to long-poll. */
  get mode(): ReadMode {
    return this.#session.mode;
  }

  /** Ends the session; iteration finishes quietly (no error). */
  cancel(reason?: unknown): void {
    this.#controller.abort(new Cancelled(reason));
  }

  /** `await using response = await stream.stream(...)`: cancels the session at the end of the block and waits until it has let go of its connection. */
  async [asyncDispose](): Promise<void> {
    this.cancel();
    await this.#source.return(undefined).catch(() => {});
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch<T>> {
    return this.batches()[Symbol.asyncIterator]();
  }

  batches(): AsyncIterable<Batch<T>> {
    this.#claim("batches()");
    return this.#run();
  }

  /** The messages of a JSON stream, one by one. */
  items(): AsyncIterable<T> {
    this.#claim("items()");
    return itemsOf(this.#run());
  }

  /** The payload bytes, one Uint8Array per non-empty batch. */
  byteChunks(): AsyncIterable<Uint8Array> {
    this.#claim("byteChunks()");
    return bytesOf(this.#run());
  }

  /** The payload as text; UTF-8 sequences split across batches are decoded whole. */
  textChunks(): AsyncIterable<string> {
    this.#claim("textChunks()");
    return textOf(this.#run());
  }

  byteStream(): ReadableStream<Uint8Array> {
    this.#claim("byteStream()");
    return toReadableStream(bytesOf(this.#run()));
  }

  textStream(): ReadableStream<string> {
    this.#claim("textStream()");
    return toReadableStream(textOf(this.#run()));
  }

  itemStream(): ReadableStream<T> {
    this.#claim("itemStream()");
    return toReadableStream(itemsOf(this.#run()));
  }

  /** Records mode: each message with its offsets, seq and append time, one by one. */
  records(): AsyncIterable<StreamRecord<T>> {
    if (!this.#records) throw usageError(this.url, "records() needs a read opened with records: true");
    this.#claim("records()");
    return recordsOf(this.#run());
  }

  /** Calls `handler` for every batch, waiting for its promise before reading on. */
  subscribe(handler: BatchHandler<T>, options?: SubscribeOptions): Subscription {
    this.#claim("subscribe()");
    return subscribeBatches(this.#run(), () => this.cancel(), handler, options);
  }

  /** All messages up to the tail (catch-up reads only). */
  async json(): Promise<T[]> {
    this.#requireFinite("json()");
    const out: T[] = [];
    for await (const batch of this.#run()) for (const item of batch.items) out.push(item);
    return out;
  }

  /** All text up to the tail (catch-up reads only). */
  async text(): Promise<string> {
    this.#requireFinite("text()");
    let out = "";
    for await (const piece of textOf(this.#run())) out += piece;
    return out;
  }

  /** All bytes up to the tail (catch-up reads only). */
  async bytes(): Promise<Uint8Array> {
    this.#requireFinite("bytes()");
    const parts: Uint8Array[] = [];
    for await (const part of bytesOf(this.#run())) parts.push(part);
    return concatBytes(parts);
  }

  #requireFinite(method: string): void {
    if (this.live !== false) {
      throw usageError(
        this.url,
        `${method} collects a catch-up read, but this read is live (${JSON.stringify(this.live)}) and never ends: ` +
          "iterate it, or open it with live: false",
      );
    }
    this.#claim(method);
  }

  #claim(method: string): void {
    if (this.#consumedBy !== undefined) {
      throw usageError(this.url, `This response is already consumed by ${this.#consumedBy}; open another read`);
    }
    this.#consumedBy = method;
  }

  #reportReceived(chunk: RawChunk, batch: ReadBatch<T>): void {
    this.#transport.report({
      type: "batch:received",
      url: this.url,
      mode: chunk.mode ?? "catch-up",
      offset: chunk.offset,
      bytes: chunkByteLength(chunk),
      items: batch.itemCount,
      upToDate: chunk.upToDate,
      closed: chunk.closed,
    });
  }

  async *#run(): AsyncGenerator<Batch<T>, void, undefined> {
    try {
      while (true) {
        const result = this.#pending ?? (await this.#source.next());
        this.#pending = undefined;
        if (result.done) return;
        const chunk = result.value;
        const batch = new ReadBatch<T>(chunk, this.url, this.#session.contentType, this.#validate, this.#records);
        this.#state = { offset: chunk.offset, cursor: chunk.cursor, upToDate: chunk.upToDate, closed: chunk.closed };
        this.#reportReceived(chunk, batch);
        yield batch;
      }
    } catch (error) {
      if (this.#controller.signal.reason instanceof Cancelled && isAbort(error)) return;
      throw error;
    } finally {
      // Closes an open SSE connection when the consumer stops early.
      await this.#source.return(undefined);
      // Ends the session for good (and releases the caller-signal listener).
      if (!this.#controller.signal.aborted) this.#controller.abort(new Cancelled("finished"));
    }
  }
}

function isAbort(error: unknown): boolean {
  return error instanceof StreamError && error.code === "ABORTED";
}

async function* itemsOf<T>(batches: AsyncIterable<Batch<T>>): AsyncGenerator<T, void, undefined> {
  for await (const batch of batches) yield* batch.items;
}

async function* recordsOf<T>(batches: AsyncIterable<Batch<T>>): AsyncGenerator<StreamRecord<T>, void, undefined> {
  for await (const batch of batches) yield* batch.records ?? [];
}

async function* bytesOf<T>(batches: AsyncIterable<Batch<T>>): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const batch of batches) if (batch.data.length > 0) yield batch.data;
}

async function* textOf<T>(batches: AsyncIterable<Batch<T>>): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  for await (const bytes of bytesOf(batches)) {
    const text = decoder.decode(bytes, { stream: true });
    if (text.length > 0) yield text;
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield rest;
}

/** A pull-based ReadableStream: nothing is read until the stream's reader asks. */
function toReadableStream<V>(source: AsyncIterable<V>): ReadableStream<V> {
  const iterator = source[Symbol.asyncIterator]();
  // highWaterMark 0: pull only when the reader asks, so backpressure reaches the network.
  return new ReadableStream<V>(
    {
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
