/**
 * A client: one configuration (base URL, headers, token, fetch, retry, timeouts, events) and
 * one transport, and stream handles made from it by path. Handles made by one client share
 * everything but their URL and content type, so a token function or an event hook is set
 * once for all of them.
 */
import { invalidArgument, streamUrl } from "./check.js";
import type { Endpoint } from "./endpoint.js";
import { DurableStream } from "./handle/durable-stream.js";
import type { CreateOptions, OperationOptions } from "./handle/results.js";
import { Transport } from "./http/transport.js";
import { type ClientOptions, checkClientOptions, type DynamicRecord, type DynamicValue } from "./options.js";
import { checkedRetryPolicy } from "./retry.js";

export interface CreateClientOptions extends ClientOptions {
  /**
   * Where stream paths start, e.g. `https://streams.example.com/v1/stream`: `stream("orders/42")`
   * is then `https://streams.example.com/v1/stream/orders/42`. Without it, paths must be URLs.
   */
  baseUrl?: string | URL;
  /** Sent as `Authorization: Bearer <token>` (a function is asked per request); `headers` may override it. */
  token?: DynamicValue;
}

export interface HandleOptions {
  /** The stream's content type, if known; `create`, `connect` and `head` fill it in. */
  contentType?: string;
}

export class StreamClient {
  /** The base URL paths are resolved against, without a trailing slash. */
  readonly baseUrl: string | undefined;
  readonly #shared: Omit<Endpoint, "url" | "contentType" | "baseUrl">;

  constructor(options: CreateClientOptions = {}) {
    this.baseUrl = options.baseUrl === undefined ? undefined : checkBaseUrl(options.baseUrl);
    const where = this.baseUrl ?? "";
    checkClientOptions(where, options);
    const { token } = options;
    if (token !== undefined && typeof token !== "string" && typeof token !== "function") {
      throw invalidArgument(where, "token", "must be a string or a function", token);
    }
    const headers = token === undefined ? options.headers : withToken(options.headers, token);
    this.#shared = {
      transport: new Transport({ ...options, headers }),
      retry: checkedRetryPolicy(where, "retry", options.retry),
    };
  }

  /** A handle for `path` (under the base URL) or an absolute URL; makes no request. */
  stream(path: string | URL, options: HandleOptions = {}): DurableStream {
    const url = resolvePath(this.baseUrl, path);
    const handleOptions = options.contentType === undefined ? { url } : { url, contentType: options.contentType };
    return new DurableStream(handleOptions, { ...this.#shared, baseUrl: this.baseUrl });
  }

  /** Creates the stream at `path` (idempotent unless `exclusive`) and returns its handle. */
  async create(path: string | URL, options: CreateOptions = {}): Promise<DurableStream> {
    const handle = this.stream(path, options);
    await handle.create(options);
    return handle;
  }

  /** The handle of an existing stream; fails with NOT_FOUND when there is none. */
  async connect(path: string | URL, options: OperationOptions = {}): Promise<DurableStream> {
    const handle = this.stream(path);
    await handle.head(options);
    return handle;
  }
}

/** `new StreamClient(options)`: one configuration and transport for many stream handles. */
export function createClient(options: CreateClientOptions = {}): StreamClient {
  return new StreamClient(options);
}

function checkBaseUrl(raw: string | URL): string {
  const text = raw instanceof URL ? raw.href : raw;
  let url: URL;
  try {
    url = new URL(streamUrl(text));
  } catch {
    throw invalidArgument(String(text), "baseUrl", "must be an http: or https: URL", raw);
  }
  if (url.search !== "" || url.hash !== "") {
    throw invalidArgument(url.href, "baseUrl", "must have no query or fragment (query parameters go in params)", raw);
  }
  return url.href.replace(/\/+$/, "");
}

/** An absolute URL stays as it is; anything else is a path under the base URL. */
function resolvePath(baseUrl: string | undefined, path: string | URL): string {
  if (path instanceof URL || /^[a-z][a-z0-9+.-]*:/i.test(path)) return String(path);
  if (typeof path !== "string" || path.replace(/^\/+/, "") === "") {
    throw invalidArgument(baseUrl ?? "", "path", "must be a non-empty path or a URL", path);
  }
  if (baseUrl === undefined) {
    throw invalidArgument("", "path", "is not a URL, and the client has no baseUrl to resolve it against", path);
  }
  return `${baseUrl}/${path.replace(/^\/+/, "")}`;
}

/** The token as an Authorization header beneath the configured headers, which may override it. */
export function withToken(headers: DynamicRecord | undefined, token: DynamicValue): DynamicRecord {
  const authorization = async () => {
    const value = typeof token === "function" ? await token() : token;
    return value === undefined ? undefined : `Bearer ${value}`;
  };
  if (typeof headers === "function") {
    return async () => {
      const [bearer, rest] = await Promise.all([authorization(), headers()]);
      return bearer === undefined ? { ...rest } : { authorization: bearer, ...rest };
    };
  }
  return { authorization, ...headers };
}
