/**
 * A read session: the sequence of requests that carries a reader from its start offset to
 * the end of the stream (or forever, when live). It catches up with plain GETs, then follows
 * with long-poll or SSE, keeps the offset and cursor, and decides what happens after every
 * failed request (retry policy, `onError`, auto-mode fallback). It yields RawChunks worth
 * delivering; decoding and consumption styles live in response.ts.
 */
import { isJsonContentType } from "@rivulet/protocol";
import { StreamError } from "../errors.js";
import type { Transport } from "../http/transport.js";
import { sleepUnlessAborted } from "../http/with-retries.js";
import type { ReadMode } from "../observability/events.js";
import { checkedRetryPolicy, type RetryPolicy, retryDelay } from "../retry.js";
import { AutoFallback, type ConnectionOutcome } from "./auto-fallback.js";
import { hasPayload, type RawChunk } from "./chunk.js";
import { httpRead } from "./http-read.js";
import { DEFAULT_LONG_POLL_TIMEOUT_MS, type LiveMode, type ReadOptions } from "./read-options.js";
import { SseStalledError, type SseStats, sseConnection } from "./sse-connection.js";

/** A failure `onError` has already ruled on: it ends the session without being asked again. */
class Decided {
  constructor(readonly error: StreamError) {}
}

export interface SessionInit {
  url: string;
  transport: Transport;
  /** Checked already (read-options.ts); the start is resolved into `offset`. */
  options: ReadOptions<unknown>;
  /** Where the session starts, as the server names it (start.ts). */
  offset: string;
  /** The stream's content type if already known (SSE responses do not carry it). */
  contentType: string | undefined;
  /** Aborts the session (caller's signal and `cancel()` combined). */
  signal: AbortSignal;
  /** Retry defaults of the handle, under the session's own `retry` option. */
  handleRetry?: RetryPolicy | undefined;
}

export class ReadSession {
  offset: string;
  cursor: string | undefined;
  upToDate = false;
  closed = false;
  contentType: string | undefined;
  readonly live: LiveMode;

  #phase: "catch-up" | "live" = "catch-up";
  #failures = 0;
  #overrideHeaders: Record<string, string> = {};
  #overrideParams: Record<string, string> = {};
  readonly #policy: RetryPolicy;
  /** SSE health tracking; it only switches modes when live is "auto". */
  readonly #sseHealth: AutoFallback;

  readonly #init: SessionInit;

  constructor(init: SessionInit) {
    this.#init = init;
    const { options } = init;
    this.#policy = checkedRetryPolicy(init.url, "retry", init.handleRetry, options.retry);
    this.offset = init.offset;
    this.cursor = options.cursor;
    this.live = options.live ?? false;
    this.contentType = init.contentType;
    this.#sseHealth = new AutoFallback(options.autoFallback);
  }

  /** The kind of request the session will make next. */
  get mode(): ReadMode {
    if (this.live === false || this.#phase === "catch-up") return "catch-up";
    if (this.live === "long-poll") return "long-poll";
    if (this.live === "sse") return "sse";
    return this.#sseHealth.fallenBack ? "long-poll" : "sse";
  }

  async *chunks(): AsyncGenerator<RawChunk, void, undefined> {
    while (!this.closed) {
      const mode = this.mode;
      try {
        if (mode === "sse") {
          yield* this.#sseRound();
        } else {
          const chunk = await this.#httpRound(mode === "long-poll");
          if (this.#accept(chunk)) yield { ...chunk, mode };
        }
        if (this.live === false && this.upToDate) return;
      } catch (error) {
        await this.#recover(error);
      }
    }
  }

  #httpRound(longPoll: boolean): Promise<RawChunk> {
    const { options, transport } = this.#init;
    return httpRead(transport, {
      url: this.#init.url,
      offset: this.offset,
      cursor: this.cursor,
      longPoll,
      records: options.records,
      timeoutMs: longPoll
        ? (options.longPollTimeoutMs ?? DEFAULT_LONG_POLL_TIMEOUT_MS)
        : (options.timeoutMs ?? transport.defaultTimeoutMs),
      spec: this.#requestSpec(),
    });
  }

  async *#sseRound(): AsyncGenerator<RawChunk, void, undefined> {
    const { options, transport } = this.#init;
    const stats: SseStats = { connected: false, connectedAt: 0, events: 0 };
    const auto = this.live === "auto";
    let failure: unknown;
    try {
      const connection = sseConnection(
        transport,
        {
          url: this.#init.url,
          offset: this.offset,
          cursor: this.cursor,
          timeoutMs: options.timeoutMs ?? transport.defaultTimeoutMs,
          firstEventTimeoutMs: auto ? this.#sseHealth.options.firstEventTimeoutMs : undefined,
          contentType: this.contentType,
          records: options.records,
          spec: this.#requestSpec(),
        },
        stats,
      );
      for await (const chunk of connection) {
        if (this.#accept(chunk)) yield { ...chunk, mode: "sse" };
        if (this.closed) return;
      }
    } catch (error) {
      failure = error;
    }
    await this.#afterSse(stats, failure, auto);
  }

  /**
   * Judges a finished SSE connection. Auto mode may switch to long-poll here: a request
   * failure that caused the switch is still shown to `onError` (which may stop the session),
   * but by default the session carries on with long-poll at once. Any other failure goes to
   * `recover`. A connection that ended cleanly but quickly waits before reconnecting.
   */
  async #afterSse(stats: SseStats, failure: unknown, auto: boolean): Promise<void> {
    const stalled = failure instanceof SseStalledError;
    if (failure !== undefined && !stalled && !(failure instanceof StreamError)) throw failure;
    if (failure instanceof StreamError && failure.code === "ABORTED") throw failure;
    const outcome: ConnectionOutcome = {
      connected: stats.connected,
      durationMs: stats.connected ? Date.now() - stats.connectedAt : 0,
      events: stats.events,
      stalled,
      unsupported:
        !stats.connected &&
        failure instanceof StreamError &&
        (failure.code === "PARSE_ERROR" || failure.code === "BAD_REQUEST"),
    };
    const reason = this.#sseHealth.record(outcome, auto);
    if (reason) {
      this.#init.transport.report({ type: "fallback", url: this.#init.url, from: "sse", to: "long-poll", reason });
      if (failure instanceof StreamError && (await this.#consult(failure, ++this.#failures)) === "stop") {
        throw new Decided(failure);
      }
      return;
    }
    // Only auto mode arms the stall timer, and a stall always falls back, so this is defensive.
    if (stalled) return;
    if (failure !== undefined) throw failure;
    if (this.#sseHealth.lastWasShort) {
      // A clean but short connection: back off so a misbehaving proxy cannot make us spin.
      const delayMs = retryDelay(this.#policy, this.#sseHealth.shortConnections - 1, undefined);
      await sleepUnlessAborted(delayMs, this.#init.url, [this.#init.signal]);
    }
  }

  /** Updates the position from a chunk; true when the chunk is worth delivering. */
  #accept(chunk: RawChunk): boolean {
    this.#failures = 0;
    const wasUpToDate = this.upToDate;
    this.offset = chunk.offset;
    if (chunk.cursor !== undefined) this.cursor = chunk.cursor;
    if (chunk.contentType !== undefined) this.contentType = chunk.contentType;
    this.upToDate = chunk.upToDate;
    this.closed = chunk.closed;
    if (chunk.upToDate) this.#phase = "live";
    // Empty long-poll timeouts and repeated up-to-date controls carry nothing new. Records are JSON.
    const json = Boolean(this.#init.options.records) || isJsonContentType(this.contentType ?? "");
    return hasPayload(chunk, json) || chunk.closed || (chunk.upToDate && !wasUpToDate);
  }

  /**
   * Asks `onError` about a failed request. Headers and params it returns are kept for the
   * rest of the session; the answer is reduced to stop, retry, or the default.
   */
  async #consult(error: StreamError, attempt: number): Promise<"stop" | "retry" | "default"> {
    const decision = this.#init.options.onError ? await this.#init.options.onError(error, { attempt }) : undefined;
    if (decision === "stop" || decision === "retry") return decision;
    if (decision && typeof decision === "object") {
      this.#overrideHeaders = { ...this.#overrideHeaders, ...decision.headers };
      this.#overrideParams = { ...this.#overrideParams, ...decision.params };
      return "retry";
    }
    return "default";
  }

  /** After a failed request: stop (throw) or wait and let the loop try again. */
  async #recover(error: unknown): Promise<void> {
    if (error instanceof Decided) throw error.error;
    if (!(error instanceof StreamError) || error.code === "ABORTED") throw error;
    this.#failures++;
    const attempt = this.#failures;
    const decision = await this.#consult(error, attempt);
    const retry =
      decision === "retry" || (decision === "default" && error.isRetryable && attempt <= this.#policy.maxRetries);
    if (!retry) throw error;
    const delayMs = retryDelay(this.#policy, attempt - 1, error.retryAfterMs);
    this.#init.transport.report({ type: "reconnect", url: this.#init.url, attempt, delayMs, error });
    await sleepUnlessAborted(delayMs, this.#init.url, [this.#init.signal]);
  }

  #requestSpec() {
    const { options } = this.#init;
    return {
      callHeaders: options.headers,
      callParams: options.params,
      overrideHeaders: this.#overrideHeaders,
      overrideParams: this.#overrideParams,
      signal: this.#init.signal,
      // Failed requests in a row so far: the next one is their retry.
      attempt: this.#failures + 1,
    };
  }
}
