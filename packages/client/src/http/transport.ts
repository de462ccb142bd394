/**
 * The transport: one HTTP exchange, start to finish. It evaluates dynamic headers and
 * params for this request, links abort signals with the timeout, turns every failure into a
 * `StreamError`, and reports request events. It never retries; callers decide that.
 */
import { Header } from "@rivulet/protocol";
import { invalidArgument } from "../check.js";
import type { StreamError } from "../errors.js";
import { type ClientEventBody, type EventHook, emit } from "../observability/events.js";
import { DEFAULT_TIMEOUT_MS, type DynamicRecord, type FetchLike, normaliseHeaders, resolveRecord } from "../options.js";
import { cacheModeSupported } from "./cache-mode.js";
import { errorFromFetchFailure, errorFromResponse, type Operation } from "./error-mapping.js";
import { type RequestSignal, requestSignal } from "./signals.js";

export type Method = "GET" | "HEAD" | "PUT" | "POST" | "DELETE" | "PATCH";

export interface TransportConfig {
  fetch?: FetchLike | undefined;
  headers?: DynamicRecord | undefined;
  params?: DynamicRecord | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: EventHook | undefined;
}

export interface RequestSpec {
  operation: Operation;
  method: Method;
  /** The stream URL; the error's `url` and the events name it without a query. */
  url: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string | undefined>;
  /** Extra headers/params that win over everything else (set by a session's `onError`). */
  overrideHeaders?: Record<string, string> | undefined;
  overrideParams?: Record<string, string> | undefined;
  /** Per-call headers/params from read options, layered over the handle's. */
  callHeaders?: DynamicRecord | undefined;
  callParams?: DynamicRecord | undefined;
  body?: Uint8Array | string | ReadableStream<Uint8Array> | undefined;
  signal?: AbortSignal | undefined;
  /** A second signal to honour (e.g. an SSE stall detector), reported like the first. */
  extraSignal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  usedStreamSeq?: boolean;
  /** Which try of this request this is (1 for the first), for the request:start event. */
  attempt?: number | undefined;
  /**
   * Check any cached copy with the server first (fetch cache mode "no-cache"): for catch-up
   * reads, whose chunks stay cacheable (PROTOCOL §10.1) although a cached one may show the
   * tail as it was, not as it is. Unchanged, it costs a 304; changed, the server sends it.
   */
  revalidate?: boolean;
}

export interface BufferedResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

export interface StreamingResponse {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  /** Aborts the body from inside (e.g. a stalled SSE connection). */
  abort(reason?: unknown): void;
  /** Maps a failure while reading the body to a StreamError (timeout, abort, network). */
  bodyError(error: unknown): StreamError;
  /** Must be called once the body is done with, successfully or not. */
  finish(error?: StreamError): void;
}

export class Transport {
  readonly onEvent: EventHook | undefined;
  /** Extensions by stream root, as the server answered them (extensions/capabilities.ts); kept per client. */
  readonly capabilities = new Map<string, Promise<Record<string, number> | undefined>>();
  readonly #fetchImpl: FetchLike;
  readonly #cacheModes = cacheModeSupported();

  readonly #config: TransportConfig;
  constructor(config: TransportConfig) {
    this.#config = config;
    const fetchImpl = config.fetch ?? (globalThis.fetch?.bind(globalThis) as FetchLike | undefined);
    if (!fetchImpl) throw invalidArgument("", "fetch", "this runtime has no fetch: pass options.fetch", undefined);
    this.#fetchImpl = fetchImpl;
    this.onEvent = config.onEvent;
  }

  get defaultTimeoutMs(): number {
    return this.#config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get signal(): AbortSignal | undefined {
    return this.#config.signal;
  }

  /** Sends the request and reads the whole body; non-2xx statuses throw. */
  async send(spec: RequestSpec): Promise<BufferedResponse> {
    const exchange = await this.#open(spec);
    const { response, signal, started } = exchange;
    try {
      const body = spec.method === "HEAD" ? new Uint8Array(0) : new Uint8Array(await response.arrayBuffer());
      this.#reportEnd(spec, response.status, started);
      return { status: response.status, headers: response.headers, body };
    } catch (error) {
      throw this.#fail(spec, started, errorFromFetchFailure(spec.url, error, signal));
    } finally {
      signal.dispose();
    }
  }

  /** Sends the request and returns once headers arrive; the timeout stops there. */
  async stream(spec: RequestSpec): Promise<StreamingResponse> {
    const { response, signal, started } = await this.#open(spec);
    signal.clearTimeout();
    let finished = false;
    return {
      status: response.status,
      headers: response.headers,
      body: response.body,
      abort: (reason) => signal.abort(reason),
      bodyError: (error) => errorFromFetchFailure(spec.url, error, signal),
      finish: (error) => {
        if (finished) return;
        finished = true;
        signal.dispose();
        if (error) this.#fail(spec, started, error);
        else this.#reportEnd(spec, response.status, started);
      },
    };
  }

  async #open(spec: RequestSpec): Promise<{ response: Response; signal: RequestSignal; started: number }> {
    const started = now();
    const signal = requestSignal(
      [this.#config.signal, spec.signal, spec.extraSignal],
      spec.timeoutMs ?? this.defaultTimeoutMs,
    );
    this.report({ type: "request:start", method: spec.method, url: spec.url, attempt: spec.attempt ?? 1 });
    let response: Response;
    try {
      const [headers, target] = await Promise.all([this.#headersFor(spec), this.#urlFor(spec)]);
      // `cache` is a standard RequestInit field that Node's type declarations leave out.
      const init: RequestInit & { duplex?: "half"; cache?: "no-cache" } = {
        method: spec.method,
        headers,
        signal: signal.signal,
      };
      if (spec.revalidate && this.#cacheModes) init.cache = "no-cache";
      if (spec.body !== undefined) {
        init.body = spec.body as NonNullable<RequestInit["body"]>;
        // Streaming request bodies need half-duplex in fetch (Node, Chromium).
        if (typeof spec.body === "object" && !(spec.body instanceof Uint8Array)) init.duplex = "half";
      }
      response = await this.#fetchImpl(target, init);
    } catch (error) {
      signal.dispose();
      throw this.#fail(spec, started, errorFromFetchFailure(spec.url, error, signal));
    }
    if (response.ok) return { response, signal, started };
    let text = "";
    try {
      text = await response.text();
    } catch {
      // The status alone still says what went wrong.
    } finally {
      signal.dispose();
    }
    const error = errorFromResponse(
      {
        operation: spec.operation,
        url: spec.url,
        usedStreamSeq: spec.usedStreamSeq ?? false,
        contentType: spec.headers?.[Header.contentType],
      },
      { status: response.status, headers: response.headers, body: text },
    );
    throw this.#fail(spec, started, error);
  }

  async #headersFor(spec: RequestSpec): Promise<Record<string, string>> {
    const [base, call] = await Promise.all([resolveRecord(this.#config.headers), resolveRecord(spec.callHeaders)]);
    return normaliseHeaders(base, call, spec.headers, spec.overrideHeaders);
  }

  async #urlFor(spec: RequestSpec): Promise<string> {
    const [base, call] = await Promise.all([resolveRecord(this.#config.params), resolveRecord(spec.callParams)]);
    const url = new URL(spec.url);
    const params = new Map<string, string>(url.searchParams);
    for (const layer of [base, call, spec.query, spec.overrideParams]) {
      if (!layer) continue;
      for (const [key, value] of Object.entries(layer)) if (value !== undefined) params.set(key, value);
    }
    // PROTOCOL §10.1: lexicographic parameter order gives CDNs one cache key per read.
    const sorted = [...params.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    url.search = new URLSearchParams(sorted).toString();
    return url.toString();
  }

  #reportEnd(spec: RequestSpec, status: number, started: number): void {
    this.report({ type: "request:end", method: spec.method, url: spec.url, status, durationMs: elapsed(started) });
  }

  #fail(spec: RequestSpec, started: number, error: StreamError): StreamError {
    const durationMs = elapsed(started);
    // Called off by its caller (stop(), cancel(), a signal): not a failure of the request.
    const { method, url } = spec;
    if (error.code === "ABORTED") this.report({ type: "request:aborted", method, url, durationMs });
    else this.report({ type: "request:error", method, url, error, durationMs });
    return error;
  }

  report(event: ClientEventBody): void {
    emit(this.onEvent, event);
  }
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

function elapsed(started: number): number {
  return Math.round((now() - started) * 10) / 10;
}
