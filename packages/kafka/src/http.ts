/**
 * One JSON exchange with the server's Kafka-layer API under `{root}/__ds/`: the token and
 * extra headers, a timeout linked with the caller's signal, the answer decoded, a refusal
 * turned into a typed `KafkaError`, and retries (with jittered backoff and the server's
 * `Retry-After`) for requests the caller marks safe to repeat.
 */
import { DisconnectedError, errorFromResponse, KafkaError, TimeoutError } from "./errors.js";
import type { ResolvedKafkaOptions } from "./options.js";

export type Method = "GET" | "HEAD" | "PUT" | "POST" | "DELETE" | "PATCH";

export interface CallOptions {
  body?: unknown;
  /** A body already encoded as JSON text (sent as is, instead of `body`). */
  json?: string;
  /** A JSON body already encoded (and compressed: say so in `content-encoding`). */
  bytes?: Uint8Array;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Retry on a retriable failure: only for requests that are safe to send twice. */
  retry?: boolean;
  timeoutMs?: number;
}

export interface JsonAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

export class KafkaHttp {
  constructor(readonly options: ResolvedKafkaOptions) {}

  /** The URL of `path` under the control segment: `api("topics/orders")` → `{root}/__ds/topics/orders`. */
  api(path: string): string {
    return `${this.options.root}/__ds/${path}`;
  }

  /** The URL of a stream under the root (partition streams: `topics/<name>/<n>`). */
  stream(path: string): string {
    return `${this.options.root}/${path}`;
  }

  /** Calls `url` and decodes its JSON answer; refusals throw. */
  async call<T>(method: Method, url: string, options: CallOptions = {}): Promise<JsonAnswer<T>> {
    const attempts = options.retry === true ? this.options.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(method, url, options);
      } catch (error) {
        if (!(error instanceof KafkaError) || !error.isRetriable || attempt >= attempts || options.signal?.aborted) {
          throw error;
        }
        await sleep(backoffMs(this.options.retryBackoffMs, attempt, error.retryAfterMs), options.signal);
      }
    }
  }

  private async once<T>(method: Method, url: string, options: CallOptions): Promise<JsonAnswer<T>> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
    let response: Response;
    try {
      response = await this.options.fetch(withQuery(url, options.query), {
        method,
        headers: this.headersFor(options),
        ...bodyOf(options),
        signal,
      });
    } catch (cause) {
      throw failure(cause, url, timeout, timeoutMs, options.signal);
    }
    const text = await response.text();
    const body = text === "" ? undefined : parseJson(text);
    if (!response.ok) throw errorFromResponse(response.status, body, response.headers.get("retry-after"));
    return { status: response.status, headers: response.headers, body: body as T };
  }

  private headersFor(options: CallOptions): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.headers };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    if (options.body !== undefined || options.json !== undefined || options.bytes !== undefined)
      headers["content-type"] = "application/json";
    return { ...headers, ...options.headers };
  }
}

function failure(
  cause: unknown,
  url: string,
  timeout: AbortSignal,
  timeoutMs: number,
  caller: AbortSignal | undefined,
): KafkaError {
  if (caller?.aborted) return new KafkaError("ABORTED", `The request to ${url} was cancelled`, { cause });
  if (timeout.aborted) {
    return new TimeoutError("TIMEOUT", `No answer from ${url} within ${timeoutMs} ms`, { isRetriable: true, cause });
  }
  return new DisconnectedError("NETWORK", `Could not reach ${url}: ${String(cause)}`, { isRetriable: true, cause });
}

function bodyOf(options: CallOptions): { body?: string | Uint8Array } {
  if (options.bytes !== undefined) return { body: options.bytes };
  if (options.json !== undefined) return { body: options.json };
  return options.body === undefined ? {} : { body: JSON.stringify(options.body) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function withQuery(url: string, query: CallOptions["query"]): string {
  if (query === undefined) return url;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const search = params.toString();
  return search === "" ? url : `${url}${url.includes("?") ? "&" : "?"}${search}`;
}

/** Exponential backoff with full jitter, never shorter than the server's `Retry-After`. */
export function backoffMs(baseMs: number, attempt: number, retryAfterMs?: number): number {
  const exponential = baseMs * 2 ** Math.min(attempt - 1, 10);
  return Math.max(retryAfterMs ?? 0, Math.random() * exponential);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", aborted, { once: true });
  });
}
