/**
 * One protocol operation of a handle (create, append, head, close, delete, fork, a bounded
 * read): a request through the endpoint's transport, retried with backoff when repeating it
 * is safe, within the call's time limit.
 */
import { checkNumber, Rule } from "../check.js";
import type { Endpoint } from "../endpoint.js";
import type { Operation } from "../http/error-mapping.js";
import type { BufferedResponse, Method, RequestSpec } from "../http/transport.js";
import { certainlyNotApplied, withRetries } from "../http/with-retries.js";
import { checkDynamicRecord } from "../options.js";
import type { OperationOptions } from "./results.js";

/**
 * When a failed attempt may be repeated: `always` for idempotent requests (retryable errors
 * only), `if-not-applied` for writes that must not land twice, `never` for one-shot bodies.
 */
export type RetryRule = "always" | "if-not-applied" | "never";

export interface OperationRequest extends Pick<RequestSpec, "headers" | "body" | "usedStreamSeq" | "query"> {
  operation: Operation;
  method: Method;
  retry: RetryRule;
  /** Told before each retry (a delete that retried may find its own earlier success). */
  onRetry?: () => void;
  /** A GET that may be served from a cache must be revalidated (catch-up reads). */
  revalidate?: boolean;
}

export function runOperation(
  endpoint: Endpoint,
  request: OperationRequest,
  options: OperationOptions,
): Promise<BufferedResponse> {
  const { url, transport } = endpoint;
  checkNumber(url, "timeoutMs", options.timeoutMs, Rule.limitMs);
  checkDynamicRecord(url, "headers", options.headers);
  checkDynamicRecord(url, "params", options.params);
  const { retry, onRetry, ...spec } = request;
  return withRetries(
    (attempt, timeoutMs) =>
      transport.send({
        ...spec,
        url,
        signal: options.signal,
        timeoutMs,
        attempt: attempt + 1,
        callHeaders: options.headers,
        callParams: options.params,
      }),
    {
      url,
      policy: endpoint.retry,
      timeoutMs: options.timeoutMs ?? transport.defaultTimeoutMs,
      signals: [options.signal, transport.signal],
      shouldRetry: (error) =>
        retry === "always" ? error.isRetryable : retry === "if-not-applied" ? certainlyNotApplied(error) : false,
      onRetry: (error, attempt, delayMs) => {
        onRetry?.();
        transport.report({ type: "reconnect", url, attempt, delayMs, error });
      },
    },
  );
}
