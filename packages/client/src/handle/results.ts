/** Options and results of the stream handle's operations, and reading them off responses. */
import { Header, isTrueFlag } from "@rivulet/protocol";
import { checkNumber, invalidArgument, Rule } from "../check.js";
import { parseError } from "../errors.js";
import { intHeader } from "../http/header-values.js";
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
  /**
   * Retention (docs/extensions.md): the server may drop messages appended longer ago than
   * this, or the head while at least `retentionBytes` remain. UNSUPPORTED on a server without it.
   */
  retentionMs?: number;
  retentionBytes?: number;
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
  /** Where retained data begins (reads before it are 410 Gone); undefined from a server without retention. */
  earliestOffset: string | undefined;
  /** The seq the next message will get: the stream's message count, retained or not. */
  nextSeq: number | undefined;
  /** The retention that applies (the stream's own, else the server's default); undefined: kept. */
  retentionMs: number | undefined;
  retentionBytes: number | undefined;
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
  /**
   * Conditional append (docs/extensions.md): write only if the stream's tail is this offset,
   * else nothing is written and the call fails with a `TailMismatchError` naming the tail.
   */
  expectedOffset?: string;
  /** Conditional append: write only if the stream's next message gets this seq (its message count so far). */
  expectedSeq?: number;
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
  /**
   * The seq of the append's first message (its 0-based ordinal in the stream) and the time the
   * server appended it, ms since the epoch; undefined when nothing new was written or the
   * server has no append-metadata extension.
   */
  seq: number | undefined;
  timestamp: number | undefined;
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
  return {
    contentType: headers.get(Header.contentType) ?? undefined,
    offset: requireOffset(url, headers, "HEAD"),
    closed: isTrueFlag(headers.get(Header.closed)),
    ttlSeconds: intHeader(headers, Header.ttl),
    expiresAt: headers.get(Header.expiresAt) ?? undefined,
    earliestOffset: headers.get(Header.earliestOffset) ?? undefined,
    nextSeq: intHeader(headers, Header.nextSeq),
    retentionMs: intHeader(headers, Header.retentionMs),
    retentionBytes: intHeader(headers, Header.retentionBytes),
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

/** Stream-Retention-Ms and Stream-Retention-Bytes of a create (docs/extensions.md); none without the options. */
export function retentionHeaders(
  url: string,
  options: { retentionMs?: number; retentionBytes?: number },
): Record<string, string> {
  const headers: Record<string, string> = {};
  checkNumber(url, "retentionMs", options.retentionMs, Rule.nonNegativeInteger);
  checkNumber(url, "retentionBytes", options.retentionBytes, Rule.nonNegativeInteger);
  if (options.retentionMs !== undefined) headers[Header.retentionMs] = String(options.retentionMs);
  if (options.retentionBytes !== undefined) headers[Header.retentionBytes] = String(options.retentionBytes);
  return headers;
}
