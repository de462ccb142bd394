/**
 * The subscription API's requests: JSON in, JSON out, through the client's own transport
 * (headers, token, params, timeouts, events) and retry rules. One thing the transport does
 * not keep is the error body's extra fields (ALREADY_CLAIMED names the holder there, §7.2) and
 * its subscription code, so the fetch it is given reads each failed response's body first and
 * keeps it, found again through the response headers object the transport hands on in the error;
 * errors are refined from it before retrying is decided, and in the events it reports.
 */
import { checkNumber, Rule } from "../check.js";
import { StreamError } from "../errors.js";
import type { RetryRule } from "../handle/operation.js";
import type { OperationOptions } from "../handle/results.js";
import type { Operation } from "../http/error-mapping.js";
import { type Method, Transport, type TransportConfig } from "../http/transport.js";
import { certainlyNotApplied, withRetries } from "../http/with-retries.js";
import { checkDynamicRecord, type FetchLike } from "../options.js";
import type { RetryPolicy } from "../retry.js";
import { type ErrorFields, subscriptionError } from "./errors.js";

export interface JsonRequest {
  method: Method;
  url: string;
  body?: unknown;
  /** A wake's token (callback, ack, release): sent instead of the client's credentials (§12.9). */
  token?: string;
  retry: RetryRule;
  /** Told before each retry. */
  onRetry?: () => void;
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

/** The operation the generic error mapping reads a status as; subscription codes refine it. */
const OPERATION: Record<Method, Operation> = {
  GET: "read",
  HEAD: "head",
  PUT: "create",
  POST: "append",
  DELETE: "delete",
  // Subscriptions send no PATCH; the transport has it for admin merge patches.
  PATCH: "admin",
};

export class SubscriptionHttp {
  readonly #transport: Transport;
  readonly #retry: RetryPolicy;
  readonly #errorBodies = new WeakMap<Headers, ErrorFields>();

  constructor(config: TransportConfig, retry: RetryPolicy) {
    const fetchImpl = config.fetch ?? (globalThis.fetch?.bind(globalThis) as FetchLike | undefined);
    const { onEvent } = config;
    this.#transport = new Transport({
      ...config,
      fetch: fetchImpl && this.#keepingErrorBodies(fetchImpl),
      onEvent:
        onEvent &&
        ((event) => onEvent(event.type === "request:error" ? { ...event, error: this.#refine(event.error) } : event)),
    });
    this.#retry = retry;
  }

  async request(request: JsonRequest, options: OperationOptions = {}): Promise<JsonResponse> {
    const { url, method, retry } = request;
    checkNumber(url, "timeoutMs", options.timeoutMs, Rule.limitMs);
    checkDynamicRecord(url, "headers", options.headers);
    checkDynamicRecord(url, "params", options.params);
    const headers: Record<string, string> = { accept: "application/json" };
    if (request.body !== undefined) headers["content-type"] = "application/json";
    // Last of the header layers: a wake request carries the wake's token, not the client's.
    if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const transport = this.#transport;
    const send = async (attempt: number, timeoutMs: number | undefined) => {
      try {
        return await transport.send({
          operation: OPERATION[method],
          method,
          url,
          headers,
          body,
          signal: options.signal,
          timeoutMs,
          attempt: attempt + 1,
          callHeaders: options.headers,
          callParams: options.params,
        });
      } catch (error) {
        // Refined here, so that retrying is decided on the subscription code (a 507 limit is final).
        throw error instanceof StreamError ? this.#refine(error) : error;
      }
    };
    const response = await withRetries(send, {
      url,
      policy: this.#retry,
      timeoutMs: options.timeoutMs ?? transport.defaultTimeoutMs,
      signals: [options.signal, transport.signal],
      shouldRetry: (error) =>
        retry === "always" ? error.isRetryable : retry === "if-not-applied" ? certainlyNotApplied(error) : false,
      onRetry: (error, attempt, delayMs) => {
        request.onRetry?.();
        transport.report({ type: "reconnect", url, attempt, delayMs, error });
      },
    });
    return { status: response.status, body: parseBody(url, response.body) };
  }

  /** The typed subscription error for a failed response, from the body kept for it. */
  #refine(error: StreamError): StreamError {
    const kept = error.headers && this.#errorBodies.get(error.headers);
    return kept ? subscriptionError(error, kept) : error;
  }

  /**
   * Failed responses are read here (from a clone, so the transport still reads its own) and
   * their body kept under their headers object. Cloning first also fixes that object for
   * Response classes that make a new one once their body is read (Hono's Node server puts such
   * a class in place of the global one).
   */
  #keepingErrorBodies(fetchImpl: FetchLike): FetchLike {
    return async (input, init) => {
      const response = await fetchImpl(input, init);
      if (response.status < 400) return response;
      const text = await response.clone().text();
      const fields = errorFields(text);
      if (fields) this.#errorBodies.set(response.headers, fields);
      return response;
    };
  }
}

function parseBody(url: string, bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new StreamError("PARSE_ERROR", "The server's answer is not JSON", { url, cause });
  }
}

function errorFields(text: string): ErrorFields | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    const error = parsed?.error;
    return typeof error === "object" && error !== null ? (error as ErrorFields) : undefined;
  } catch {
    return undefined;
  }
}
