/**
 * Where a read session or a bounded read starts, as an offset the server minted. `"earliest"`
 * is `-1` on the wire (the earliest retained position, PROTOCOL §8 with retention). `{ at }`
 * is asked with `HEAD ?at=` (docs/extensions.md, "Point in time"), and the data read that
 * follows is an ordinary, cacheable `GET ?offset=`. Records mode needs the stream's content
 * type to decode values, so when it is not known yet a HEAD tells it.
 */
import { Header, OFFSET_BEGINNING } from "@rivulet/protocol";
import type { Endpoint } from "../endpoint.js";
import { unsupported } from "../errors.js";
import { runOperation } from "../handle/operation.js";
import type { OperationOptions } from "../handle/results.js";
import { intHeader } from "../http/header-values.js";
import type { StartOffset } from "./read-options.js";
import type { RecordsOption } from "./records.js";

export const OFFSET_EARLIEST = "earliest";

/** The first message appended at or after a time. */
export interface TimeLookup {
  /** Its offset; the tail when nothing was appended since, the earliest offset for a time before it. */
  offset: string;
  /** Its seq (the next seq, at the tail). */
  seq: number | undefined;
  /** Its append time, ms since the epoch; undefined at the tail. */
  timestamp: number | undefined;
  /** The stream's content type, as the HEAD told it. */
  contentType: string | undefined;
}

export interface StartRequest extends OperationOptions {
  offset?: StartOffset | undefined;
  records?: RecordsOption | undefined;
}

/** The offset a read starts from, and the stream's content type when it had to be asked. */
export async function resolveStart(
  endpoint: Endpoint,
  request: StartRequest,
): Promise<{ offset: string; contentType: string | undefined }> {
  const { offset = OFFSET_EARLIEST, records } = request;
  if (typeof offset !== "string") return lookupTime(endpoint, offset.at, request);
  const named = offset === OFFSET_EARLIEST ? OFFSET_BEGINNING : offset;
  let { contentType } = endpoint;
  if (records && contentType === undefined) {
    const { headers } = await runOperation(endpoint, { operation: "head", method: "HEAD", retry: "always" }, request);
    contentType = headers.get(Header.contentType) ?? undefined;
  }
  return { offset: named, contentType };
}

/** `HEAD ?at=`: the first message appended at or after `at` (a Date, or ms since the epoch). */
export async function lookupTime(
  endpoint: Endpoint,
  at: Date | number,
  options: OperationOptions,
): Promise<TimeLookup> {
  const query = { at: String(+at) };
  const { headers } = await runOperation(
    endpoint,
    { operation: "head", method: "HEAD", query, retry: "always" },
    options,
  );
  // A server without the time index answers a plain HEAD: its tail is not the time asked for.
  const offset = headers.get(Header.atOffset);
  if (offset === null) throw unsupported(endpoint.url, "time-index", "lookups by time (offset: { at })");
  return {
    offset,
    seq: intHeader(headers, Header.atSeq),
    timestamp: intHeader(headers, Header.atTime),
    contentType: headers.get(Header.contentType) ?? endpoint.contentType,
  };
}
