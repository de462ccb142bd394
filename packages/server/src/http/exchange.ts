/**
 * The request/reply shapes handlers work with. Adapters (node:http, fetch) translate to and
 * from them, so handlers never touch a transport and the node:http path builds no WHATWG
 * Request/Response objects.
 */
import type { SharedHeaders } from "./shared-headers.js";

export interface HttpRequest {
  /** Request id: the client's X-Request-Id when it is a sane token, else a fresh one. */
  readonly id: string;
  readonly method: string;
  /** Decoded URL path, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** A request header by lower-case name. */
  header(name: string): string | undefined;
  /** The whole body; rejects with PAYLOAD_TOO_LARGE past `limit` bytes. */
  readBody(limit: number): Promise<Uint8Array>;
  /** Bytes of body read so far. */
  readonly bodyBytes: number;
  /** Runs `listener` when the client goes away before the reply is complete. */
  onClose(listener: () => void): void;
  /** The peer's IP address, when the transport knows it; per-client limits key on it. */
  readonly remoteAddress?: string | undefined;
  /**
   * Scheme and authority the client addressed, e.g. `https://streams.example.com`: from the
   * request URL, or the Host header and whether the connection is TLS. Undefined when unknown.
   * Features that hand out URLs to this server (webhook callback URLs) start from it.
   */
  readonly origin?: string | undefined;
  /**
   * The request target as the client sent it (raw path and query) and every header: what a
   * cluster node needs to forward the request unchanged (cluster/forward). Adapters that cannot
   * tell leave them out.
   */
  readonly target?: string;
  headerEntries?(): Iterable<readonly [string, string]>;
}

/** A streaming reply body (SSE): written to until `end()`. */
export interface ReplySink {
  /**
   * Returns false when the transport is buffering (the client reads slower than we write).
   * Bytes may be shared with other sessions (one encoded event per append): never modified.
   */
  write(chunk: string | Uint8Array): boolean;
  end(): void;
  /** Drops the connection without flushing what is buffered (a reader too slow to keep). */
  abort(): void;
  readonly closed: boolean;
  /** Bytes written but not yet taken by the client (or the kernel on its behalf). */
  readonly bufferedBytes: number;
  onClose(listener: () => void): void;
  /** Resolves when buffered output has been flushed, or the client is gone. */
  drain(): Promise<void>;
}

export interface HttpReply {
  status: number;
  /** This reply's own headers; a name is either here or in `shared`, never in both. */
  headers: Record<string, string>;
  /** Headers this reply shares with others answered at once (a fan-out's waiters); never changed per reply. */
  shared?: SharedHeaders;
  /** Body parts written in order; absent for no body. */
  body?: Uint8Array[];
  /**
   * Called once the transport has written all of `body`, so its buffers may be reused; never
   * when the client went away first, nor by adapters that cannot tell.
   */
  sent?: () => void;
  /** Streaming body, started once the headers are sent. */
  stream?: (sink: ReplySink) => void;
  /** How long the request waited for its write to be made durable (ms), for logs and spans. */
  commitWaitMs?: number | undefined;
}

export function reply(status: number, headers: Record<string, string> = {}, body?: Uint8Array[]): HttpReply {
  return body ? { status, headers, body } : { status, headers };
}

/** A header of a reply, own or shared. */
export function replyHeader(reply: HttpReply, name: string): string | undefined {
  return reply.headers[name] ?? reply.shared?.get(name);
}

/** All headers of a reply as one name → value record (adapters that need one object). */
export function allHeaders(reply: HttpReply): Record<string, string> {
  return reply.shared ? { ...reply.shared.entries(), ...reply.headers } : reply.headers;
}
