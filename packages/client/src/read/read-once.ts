/**
 * One bounded catch-up read (PROTOCOL §5.6): a single GET from an offset, returning what that
 * one response held and where to read next. For callers that page through a stream at their
 * own pace; retried like any idempotent request.
 */
import type { Endpoint } from "../endpoint.js";
import { runOperation } from "../handle/operation.js";
import type { OperationOptions } from "../handle/results.js";
import { type Batch, ReadBatch } from "./batch.js";
import { chunkOf } from "./http-read.js";
import { checkReadOptions } from "./read-options.js";

export interface ReadOnceOptions<T = unknown> extends OperationOptions {
  /** Where to read from: `"-1"` (default, the beginning), `"now"`, or an offset from an earlier read. */
  offset?: string;
  /** Checks (and may convert) each JSON item; throwing rejects it as a PARSE_ERROR. */
  validate?: (item: unknown) => T;
}

export async function readOnce<T>(endpoint: Endpoint, options: ReadOnceOptions<T>): Promise<Batch<T>> {
  const { url } = endpoint;
  checkReadOptions(url, options);
  const offset = options.offset ?? "-1";
  const request = { operation: "read", method: "GET", query: { offset }, revalidate: true, retry: "always" } as const;
  const response = await runOperation(endpoint, request, options);
  const chunk = chunkOf(url, response, offset, undefined);
  return new ReadBatch<T>(chunk, url, chunk.contentType ?? endpoint.contentType, options.validate);
}
