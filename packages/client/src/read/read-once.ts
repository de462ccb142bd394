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
import { checkReadOptions, type StartOffset } from "./read-options.js";
import { type RecordsOption, recordsQuery } from "./records.js";
import { resolveStart } from "./start.js";

export interface ReadOnceOptions<T = unknown> extends OperationOptions {
  /** Where to read from (default `"earliest"`; see `StartOffset`). */
  offset?: StartOffset;
  /** Records mode: the batch's `records`, each message with its offsets, seq and append time. */
  records?: RecordsOption;
  /** Checks (and may convert) each JSON item; throwing rejects it as a PARSE_ERROR. */
  validate?: (item: unknown) => T;
}

export async function readOnce<T>(endpoint: Endpoint, options: ReadOnceOptions<T>): Promise<Batch<T>> {
  const { url } = endpoint;
  checkReadOptions(url, options);
  const { offset, contentType } = await resolveStart(endpoint, options);
  const query = { offset, ...recordsQuery(options.records) };
  const request = { operation: "read", method: "GET", query, revalidate: true, retry: "always" } as const;
  const response = await runOperation(endpoint, request, options);
  const records = Boolean(options.records);
  const chunk = chunkOf(url, response, offset, undefined, records);
  return new ReadBatch<T>(chunk, url, chunk.contentType ?? contentType, options.validate, records);
}
