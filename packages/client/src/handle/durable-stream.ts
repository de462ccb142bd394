/**
 * The stream handle: a URL plus client options. Holds no connection; every method is one
 * protocol operation (PROTOCOL §5), retried with backoff when that is safe.
 */
import { DEFAULT_CONTENT_TYPE, Header, isTrueFlag } from "@rivulet/protocol";
import { checkNumber, invalidArgument, Rule, streamUrl } from "../check.js";
import { type Endpoint, type EndpointOptions, openEndpoint } from "../endpoint.js";
import { ConfigConflictError, StreamError, unknownContentType } from "../errors.js";
import { requireExtension } from "../extensions/capabilities.js";
import { intHeader } from "../http/header-values.js";
import type { BufferedResponse, Method, RequestSpec, Transport } from "../http/transport.js";
import type { Batch } from "../read/batch.js";
import { type ReadOnceOptions, readOnce } from "../read/read-once.js";
import { checkTime, type ReadOptions } from "../read/read-options.js";
import { StreamResponse } from "../read/response.js";
import { lookupTime, type TimeLookup } from "../read/start.js";
import type { RetryPolicy } from "../retry.js";
import { type BodyInput, bodyBytes, byteStreamOf, jsonMessagesBody, type StreamSource } from "./body.js";
import { type RetryRule, runOperation } from "./operation.js";
import {
  type AppendOptions,
  type AppendResult,
  type CloseOptions,
  type CreateOptions,
  type CreateResult,
  type ForkOptions,
  lifetimeHeaders,
  type OperationOptions,
  requireOffset,
  retentionHeaders,
  type StreamInfo,
  streamInfoFrom,
} from "./results.js";
import { appendHeaders, isConditional } from "./write-headers.js";

export type DurableStreamOptions = EndpointOptions;

/** What handles made from one configuration share. */
type SharedEndpoint = Omit<Endpoint, "url" | "contentType">;

export interface ForkResult extends CreateResult {
  /** The fork's handle, sharing the source handle's options. */
  stream: DurableStream;
}

export class DurableStream implements Endpoint {
  readonly url: string;
  /** The stream's content type, once known. */
  contentType: string | undefined;
  /** @internal Shared with producers, consumers and forks made from this handle. */
  readonly transport: Transport;
  /** @internal */
  readonly retry: RetryPolicy;
  /** @internal The client's base URL, if the handle came from a client with one. */
  readonly baseUrl: string | undefined;

  /**
   * Checks the options (INVALID_ARGUMENT naming the first bad one). `shared` is internal:
   * handles derived from another (forks, a client's) reuse its transport.
   */
  constructor(options: DurableStreamOptions, shared?: SharedEndpoint) {
    const endpoint = shared ? { url: streamUrl(options.url), ...shared } : openEndpoint(options);
    this.url = endpoint.url;
    this.contentType = options.contentType;
    this.transport = endpoint.transport;
    this.retry = endpoint.retry;
    this.baseUrl = endpoint.baseUrl;
  }

  /** Creates the stream (idempotent unless `exclusive`) and returns its handle. */
  static async create(options: DurableStreamOptions & CreateOptions): Promise<DurableStream> {
    const handle = new DurableStream(options);
    await handle.create(options);
    return handle;
  }

  /** A handle to an existing stream; fails with NOT_FOUND when there is none. */
  static async connect(options: DurableStreamOptions & OperationOptions): Promise<DurableStream> {
    const handle = new DurableStream(options);
    await handle.head(options);
    return handle;
  }

  async create(options: CreateOptions = {}): Promise<CreateResult> {
    const contentType = options.contentType ?? this.contentType ?? DEFAULT_CONTENT_TYPE;
    const retention = retentionHeaders(this.url, options);
    const headers: Record<string, string> = {
      [Header.contentType]: contentType,
      ...lifetimeHeaders(this.url, options),
      ...retention,
    };
    if (options.closed) headers[Header.closed] = "true";
    // A server without retention would create a stream that keeps everything.
    if (Object.keys(retention).length > 0) await requireExtension(this, "retention", "retention settings", options);
    const body = options.body === undefined ? undefined : bodyBytes(options.body);
    const request = { operation: "create", method: "PUT", headers, body, retry: "always" } as const;
    const response = await runOperation(this, request, options);
    if (options.exclusive && response.status !== 201) {
      throw new StreamError("ALREADY_EXISTS", `A stream already exists at ${this.url}`, {
        url: this.url,
        status: response.status,
      });
    }
    this.contentType = response.headers.get(Header.contentType) ?? contentType;
    return createResult(this.url, response, this.contentType, "Create");
  }

  /** Metadata: tail offset, content type, closure, lifetime. Fails with NOT_FOUND. */
  async head(options: OperationOptions = {}): Promise<StreamInfo> {
    const response = await runOperation(this, { operation: "head", method: "HEAD", retry: "always" }, options);
    const info = streamInfoFrom(this.url, response.headers);
    if (info.contentType !== undefined) this.contentType = info.contentType;
    return info;
  }

  /** Whether the stream exists (HEAD, with NOT_FOUND as false). */
  async exists(options: OperationOptions = {}): Promise<boolean> {
    try {
      await this.head(options);
      return true;
    } catch (error) {
      if (error instanceof StreamError && error.code === "NOT_FOUND") return false;
      throw error;
    }
  }

  /**
   * Appends bytes or text as they are; returns the new tail offset. With `producer`, the
   * append carries that producer stamp and is retried like any idempotent request.
   */
  async append(body: BodyInput, options: AppendOptions = {}): Promise<AppendResult> {
    const headers = await this.#appendHeaders(options);
    // A plain append is not idempotent: repeat it only when it certainly did not happen.
    const retry = options.producer ? "always" : "if-not-applied";
    const spec = { headers, body: bodyBytes(body), usedStreamSeq: options.seq !== undefined };
    const response = await this.#write("append", "POST", spec, options, retry);
    return appendResult(this.url, response, options.producer !== undefined);
  }

  /** Appends one message to a JSON stream. */
  appendJson(message: unknown, options: AppendOptions = {}): Promise<AppendResult> {
    return this.append(jsonMessagesBody(this.url, [message]), { contentType: "application/json", ...options });
  }

  /** Appends several messages to a JSON stream in one request (atomically). */
  appendJsonBatch(messages: readonly unknown[], options: AppendOptions = {}): Promise<AppendResult> {
    return this.append(jsonMessagesBody(this.url, messages), { contentType: "application/json", ...options });
  }

  /** Streams an append body from an async iterable or ReadableStream (one request; not retried). */
  async appendStream(source: StreamSource, options: AppendOptions = {}): Promise<AppendResult> {
    const headers = await this.#appendHeaders(options);
    const spec = { headers, body: byteStreamOf(source), usedStreamSeq: options.seq !== undefined };
    const response = await this.#write("append", "POST", spec, options, "never");
    return appendResult(this.url, response, options.producer !== undefined);
  }

  /** Closes the stream (EOF for readers), optionally appending a final message atomically. */
  async close(options: CloseOptions = {}): Promise<AppendResult> {
    const headers: Record<string, string> = { [Header.closed]: "true" };
    if (options.body === undefined) {
      // §5.3: close-only is idempotent, so it is safe to repeat.
      return appendResult(this.url, await this.#write("close", "POST", { headers }, options, "always"), false);
    }
    headers[Header.contentType] = this.#requireContentType(options.contentType);
    const spec = { headers, body: bodyBytes(options.body) };
    return appendResult(this.url, await this.#write("close", "POST", spec, options, "if-not-applied"), false);
  }

  async delete(options: OperationOptions = {}): Promise<void> {
    let retried = false;
    try {
      const onRetry = () => {
        retried = true;
      };
      await runOperation(this, { operation: "delete", method: "DELETE", retry: "always", onRetry }, options);
    } catch (error) {
      // A retry that finds nothing means an earlier attempt deleted it.
      if (!(retried && error instanceof StreamError && error.code === "NOT_FOUND")) throw error;
    }
  }

  /**
   * Forks this stream into `target` (a URL, or a path relative to this stream's URL) and
   * returns the fork's handle, sharing this handle's options (PROTOCOL §4.2).
   */
  async fork(target: string | URL, options: ForkOptions = {}): Promise<DurableStream> {
    return (await this.createFork(target, options)).stream;
  }

  /** Like `fork`, and also tells what the server answered: the fork's tail offset, whether it is new. */
  async createFork(target: string | URL, options: ForkOptions = {}): Promise<ForkResult> {
    checkNumber(this.url, "subOffset", options.subOffset, Rule.nonNegativeInteger);
    const fork = this.sibling(forkUrl(target, this.url), options.contentType ?? this.contentType);
    const headers: Record<string, string> = {
      [Header.forkedFrom]: new URL(this.url).pathname,
      ...lifetimeHeaders(this.url, options),
    };
    if (options.offset !== undefined) headers[Header.forkOffset] = options.offset;
    if (options.subOffset !== undefined) headers[Header.forkSubOffset] = String(options.subOffset);
    if (options.contentType !== undefined) headers[Header.contentType] = options.contentType;
    const request = { operation: "fork", method: "PUT", headers, retry: "always" } as const;
    const response = await runOperation(fork, request, options).catch(async (error: unknown) => {
      throw await explainConflict(error, this, options);
    });
    fork.contentType = response.headers.get(Header.contentType) ?? fork.contentType;
    return { stream: fork, ...createResult(fork.url, response, fork.contentType, "Fork") };
  }

  /** Opens a read session; resolves after its first response. */
  stream<T = unknown>(options: ReadOptions<T> = {}): Promise<StreamResponse<T>> {
    return StreamResponse.open<T>({
      url: this.url,
      transport: this.transport,
      options,
      contentType: this.contentType,
      handleRetry: this.retry,
    });
  }

  /**
   * One bounded catch-up read: what a single response holds from `offset` (a server-sized
   * chunk), with `offset` to read next, `upToDate` at the tail and `closed` at EOF.
   */
  readOnce<T = unknown>(options: ReadOnceOptions<T> = {}): Promise<Batch<T>> {
    return readOnce(this, options);
  }

  /**
   * The first message appended at or after `at` (a Date, or ms since the epoch): its offset, seq
   * and append time (`HEAD ?at=`, docs/extensions.md). UNSUPPORTED on a server without the time index.
   */
  async offsetAt(at: Date | number, options: OperationOptions = {}): Promise<TimeLookup> {
    checkTime(this.url, "at", at);
    return lookupTime(this, at, options);
  }

  /** @internal A handle to another URL with the same client options. */
  sibling(url: string, contentType: string | undefined): DurableStream {
    const options: DurableStreamOptions = { url };
    if (contentType !== undefined) options.contentType = contentType;
    return new DurableStream(options, { transport: this.transport, retry: this.retry, baseUrl: this.baseUrl });
  }

  /** A conditional append is sent only to a server that knows it: another would write it unconditionally. */
  async #appendHeaders(options: AppendOptions): Promise<Record<string, string>> {
    const headers = appendHeaders(this.url, this.#requireContentType(options.contentType), options);
    if (isConditional(options)) await requireExtension(this, "conditional-append", "conditional appends", options);
    return headers;
  }

  #requireContentType(explicit: string | undefined): string {
    const contentType = explicit ?? this.contentType;
    if (contentType === undefined) throw unknownContentType(this.url);
    return contentType;
  }

  /** An append or close; a content-type conflict comes back naming the stream's type. */
  async #write(
    operation: "append" | "close",
    method: Method,
    spec: Pick<RequestSpec, "headers" | "body" | "usedStreamSeq">,
    options: OperationOptions,
    retry: RetryRule,
  ): Promise<BufferedResponse> {
    try {
      return await runOperation(this, { ...spec, operation, method, retry }, options);
    } catch (error) {
      throw await explainConflict(error, this, options);
    }
  }
}

/** A fork's URL: absolute, or relative to the source's (a bad one is INVALID_ARGUMENT `target`). */
function forkUrl(target: string | URL, source: string): string {
  try {
    return streamUrl(new URL(target, source));
  } catch {
    throw invalidArgument(source, "target", "must be an http(s) URL or a path relative to the stream's URL", target);
  }
}

function createResult(
  url: string,
  response: BufferedResponse,
  contentType: string | undefined,
  what: string,
): CreateResult {
  return {
    created: response.status === 201,
    offset: requireOffset(url, response.headers, what),
    contentType,
    closed: isTrueFlag(response.headers.get(Header.closed)),
  };
}

function appendResult(url: string, response: BufferedResponse, withProducer: boolean): AppendResult {
  return {
    offset: requireOffset(url, response.headers, "Append"),
    closed: isTrueFlag(response.headers.get(Header.closed)),
    // §5.2.1: a producer append is 200 when written, 204 when the server already had it.
    duplicate: withProducer && response.status === 204,
    seq: intHeader(response.headers, Header.appendSeq),
    timestamp: intHeader(response.headers, Header.appendTime),
  };
}

/**
 * A content-type conflict names both types. The server's answer carries only a message, so
 * the stream's type is learned with one HEAD, best effort: if that fails, the error stays as it was.
 */
async function explainConflict(error: unknown, stream: DurableStream, options: OperationOptions): Promise<unknown> {
  if (!(error instanceof ConfigConflictError) || error.serverCode === "FORK_SOURCE_DELETED") return error;
  try {
    return error.withExpected((await stream.head(options)).contentType);
  } catch {
    return error;
  }
}
