/** Response headers shared by several handlers. */
import {
  CACHEABLE_PRIVATE,
  CACHEABLE_PUBLIC,
  formatOffset,
  Header,
  isJsonContentType,
  jsonWireParts,
  type Retention,
} from "@rivulet/protocol";
import type { AppendResult } from "../engine/engine.js";
import type { StreamState } from "../engine/stream-state.js";
import type { ResolvedOptions } from "../options.js";
import type { HttpRequest } from "./exchange.js";

/**
 * Metadata headers of a stream (PROTOCOL §5.5), from its visible state, with the extension
 * headers (docs/extensions.md): the earliest retained offset, the next seq and the retention
 * that applies (the stream's own settings, or else the server's).
 */
export function metadataHeaders(stream: StreamState, retention: Retention): Record<string, string> {
  const headers: Record<string, string> = {
    [Header.contentType]: stream.contentType,
    [Header.nextOffset]: formatOffset(stream.tail),
    [Header.earliestOffset]: formatOffset(stream.earliest),
    [Header.nextSeq]: String(stream.nextSeq),
  };
  const { ttlSeconds, expiresAt } = stream.meta.lifetime;
  if (ttlSeconds !== undefined) headers[Header.ttl] = String(ttlSeconds);
  if (expiresAt !== undefined) headers[Header.expiresAt] = new Date(expiresAt).toISOString();
  if (retention.ms !== undefined) headers[Header.retentionMs] = String(retention.ms);
  if (retention.bytes !== undefined) headers[Header.retentionBytes] = String(retention.bytes);
  if (stream.closed) headers[Header.closed] = "true";
  return headers;
}

export function cacheableReads(options: ResolvedOptions): string {
  return options.cacheVisibility === "private" ? CACHEABLE_PRIVATE : CACHEABLE_PUBLIC;
}

/** Wire body of stored bytes: JSON streams as one array (§9.1.5), all others as they are. */
export function wireBody(contentType: string, parts: Uint8Array[]): Uint8Array[] {
  return isJsonContentType(contentType) ? jsonWireParts(parts) : parts;
}

/** Absolute URL of a stream for Location (PROTOCOL §5.1), from the Host the client used. */
export function streamLocation(request: HttpRequest): string {
  const path = encodeURI(request.path);
  const host = request.header("host");
  if (!host) return path;
  const scheme = request.header("x-forwarded-proto") === "https" ? "https" : "http";
  return `${scheme}://${host}${path}`;
}

/**
 * Headers of an append or close answer: the new tail, closure, the producer's accepted state,
 * and for a write of messages the seq of the first and the append time (docs/extensions.md).
 */
export function appendHeaders(result: AppendResult): Record<string, string> {
  const headers: Record<string, string> = { [Header.nextOffset]: formatOffset(result.tail) };
  if (result.appended) {
    headers[Header.appendSeq] = String(result.appended.seq);
    headers[Header.appendTime] = String(result.appended.ts);
  }
  if (result.closed) headers[Header.closed] = "true";
  if (result.producer) {
    headers[Header.producerEpoch] = String(result.producer.epoch);
    headers[Header.producerSeq] = String(result.producer.lastSeq);
  }
  return headers;
}
