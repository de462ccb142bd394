/** Options and results of the stream handle's operations, and reading them off responses. */
import { Header, isTrueFlag } from "@rivulet/protocol";
import { checkNumber, invalidArgument, Rule } from "../check.js";
import { parseError } from "../errors.js";
import type { DynamicRecord } from "../options.js";
import type { BodyInput } from "./body.js";

export interface OperationOptions {
  signal?: AbortSignal;
  /** Overrides the handle's request timeout for this call. */
  timeoutMs?: number;
  /** Headers for this call's requests, over the handle's (e.g. a tracing id, a narrower token). */
  headers?: DynamicRecord;
  /** Query parameters for this call's requests, over the handle's. */
  params?: DynamicRecord;
}

export interface CreateOptions extends OperationOptions {
  /** Default: the handle's content type, else `application/octet-stream`. */
  contentType?: string;
  /** Sliding time-to-live in seconds (PROTOCOL §5.1). */
  ttlSeconds?: number;
  /** Absolute expiry. */
  expiresAt?: Date | string;
  /** Create the stream already closed (its body, if any, is all it will ever hold). */
  closed?: boolean;
  /** Initial content. */
  body?: BodyInput;
  /** Fail with ALREADY_EXISTS even when an identical stream exists (PUT is otherwise idempotent). */
  exclusive?: boolean;
}

export interface CreateResult {
  /** False when an identical stream was already there. */
  created: boolean;
  offset: string;
  contentType: string | undefined;
  closed: boolean;
}

export interface StreamInfo {
  contentType: string | undefined;
  /** The tail offset. */
  offset: string;
  closed: boolean;
  ttlSeconds: number | undefined;
  expiresAt: string | undefined;
}

export interface AppendOptions extends OperationOptions {
  /** Default: the handle's content type. */
  contentType?: string;
  /** `Stream-Seq`: must increase from append to append (PROTOCOL §5.2). */
  seq?: string;
  /** Close the stream atomically with this append. */
  close?: boolean;
  /**
   * Producer headers for this one append (PROTOCOL §5.2.1), for callers that keep their own
   * (id, epoch, seq): the server writes each seq once, so such an append is retried safely.
   */
  producer?: ProducerStamp;
}

/** One append's idempotent-producer identity. */
export interface ProducerStamp {
  id: string;
  /** 0 or more; a higher epoch fences older sessions of the same id. */
  epoch: number;
  /** 0 for the first append of an epoch, then one more for each append. */
  seq: number;
}

export interface AppendResult {
  /** The tail offset after the append. */
  offset: string;
  closed: boolean;
  /** The server already had this producer append (same id, epoch and seq) and wrote nothing again. */
  duplicate: boolean;
}

export interface CloseOptions extends OperationOptions {
  /** A final message appended atomically with the close. */
  body?: BodyInput;
  contentType?: string;
}

export interface ForkOptions extends OperationOptions {
  /** Divergence point; default the source's tail. */
  offset?: string;
  /** Messages (JSON) or bytes past `offset` to inherit (PROTOCOL §4.2). */
  subOffset?: number;
  contentType?: string;
  ttlSeconds?: number;
  expiresAt?: Date | string;
}

export function requireOffset(url: string, headers: Headers, what: string): string {
  const offset = headers.get(Header.nextOffset);
  if (offset === null) throw parseError(url, `${what} response has no Stream-Next-Offset`);
  return offset;
}

export function streamInfoFrom(url: string, headers: Headers): StreamInfo {
  const ttl = headers.get(Header.ttl);
  return {
    contentType: headers.get(Header.contentType) ?? undefined,
    offset: requireOffset(url, headers, "HEAD"),
    closed: isTrueFlag(headers.get(Header.closed)),
    ttlSeconds: ttl !== null && /^\d+$/.test(ttl) ? Number(ttl) : undefined,
    expiresAt: headers.get(Header.expiresAt) ?? undefined,
  };
}

/** Stream-TTL and Stream-Expires-At (PROTOCOL §5.1); bad values are INVALID_ARGUMENT. */
export function lifetimeHeaders(
  url: string,
  options: { ttlSeconds?: number; expiresAt?: Date | string },
): Record<string, string> {
  const headers: Record<string, string> = {};
  checkNumber(url, "ttlSeconds", options.ttlSeconds, Rule.nonNegativeInteger);
  if (options.ttlSeconds !== undefined) headers[Header.ttl] = String(options.ttlSeconds);
  const expiresAt = options.expiresAt;
  if (expiresAt instanceof Date) {
    if (Number.isNaN(expiresAt.getTime())) throw invalidArgument(url, "expiresAt", "must be a valid date", expiresAt);
    headers[Header.expiresAt] = expiresAt.toISOString();
  } else if (expiresAt !== undefined) {
    headers[Header.expiresAt] = String(expiresAt);
  }
  return headers;
}
