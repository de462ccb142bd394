/**
 * node:http adapter. Wraps IncomingMessage/ServerResponse directly (no WHATWG Request or
 * Response per request). The returned `(req, res)` function mounts in node:http, Express
 * (`app.use(handler)`) and Fastify (`reply.hijack()` then call it with the raw objects).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ProtocolError } from "@rivulet/protocol";
import { errorReply, type ProtocolApp } from "../http/app.js";
import type { HttpReply, HttpRequest, ReplySink } from "../http/exchange.js";
import { requestId } from "../http/request-id.js";
import { compress, compressionFor, type Encoding } from "./compression.js";
import { decodeBody } from "./request-body.js";

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createNodeHandler(app: ProtocolApp): NodeHandler {
  return (req, res) => {
    const request = new NodeRequest(req, res, app.options.bodyIdleTimeoutMs);
    app.handle(request).then(
      (reply) => send(app, request, res, reply, app.options.compressMinBytes),
      (error) => send(app, request, res, errorReply(error), 0),
    );
  };
}

/** Express rewrites `req.url` inside a mounted router; `originalUrl` keeps the path the client sent. */
type MountedRequest = IncomingMessage & { originalUrl?: string };

class NodeRequest implements HttpRequest {
  readonly id: string;
  readonly method: string;
  bodyBytes = 0;
  readonly query: URLSearchParams;
  readonly target: string;
  private readonly rawPath: string;
  private decodedPath: string | undefined;
  private body: Promise<Uint8Array> | undefined;

  constructor(
    readonly req: MountedRequest,
    private readonly res: ServerResponse,
    private readonly bodyIdleTimeoutMs: number,
  ) {
    this.method = req.method ?? "GET";
    this.id = requestId(this.header("x-request-id"));
    // Stream paths are the full public path, so Location, Stream-Forked-From and basePath
    // mean the same thing whether the handler runs standalone or under a mount prefix.
    const url = req.originalUrl ?? req.url ?? "/";
    this.target = url;
    const q = url.indexOf("?");
    this.rawPath = q === -1 ? url : url.slice(0, q);
    this.query = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
  }

  /** Decoded on first use, inside the app's error handling, so a bad path gets a full error reply. */
  get path(): string {
    this.decodedPath ??= decodePath(this.rawPath);
    return this.decodedPath;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  *headerEntries(): Iterable<readonly [string, string]> {
    for (const name of Object.keys(this.req.headers)) yield [name, this.header(name) ?? ""];
  }

  get remoteAddress(): string | undefined {
    return this.req.socket?.remoteAddress;
  }

  get origin(): string | undefined {
    const host = this.req.headers.host;
    if (host === undefined || host === "") return undefined;
    const tls = (this.req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
    return `${tls ? "https" : "http"}://${host}`;
  }

  /** Read once: middleware that inspects the body and the handler get the same bytes. */
  readBody(limit: number): Promise<Uint8Array> {
    this.body ??= this.readOnce(limit).then((raw) => decodeBody(raw, this.header("content-encoding"), limit));
    return this.body;
  }

  private readOnce(limit: number): Promise<Uint8Array> {
    const declared = Number(this.req.headers["content-length"] ?? Number.NaN);
    if (declared > limit) return Promise.reject(tooLarge(limit));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // Slowloris on bodies: a body that stalls is cut off. Only armed when the body has not
      // already arrived whole with the headers, so small requests create no timer.
      const idle =
        this.bodyIdleTimeoutMs > 0 && !this.req.complete
          ? setTimeout(() => {
              stop();
              reject(new ProtocolError("REQUEST_TIMEOUT", "The request body stopped arriving"));
            }, this.bodyIdleTimeoutMs)
          : undefined;
      const stop = () => {
        clearTimeout(idle);
        this.req.off("data", onData);
        this.req.resume();
      };
      const onData = (chunk: Buffer) => {
        idle?.refresh();
        size += chunk.length;
        if (size > limit) {
          stop();
          reject(tooLarge(limit));
          return;
        }
        chunks.push(chunk);
      };
      this.req.on("data", onData);
      this.req.once("end", () => {
        clearTimeout(idle);
        this.bodyBytes = size;
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      });
      this.req.once("error", (error) => {
        clearTimeout(idle);
        reject(error);
      });
      this.req.once("aborted", () => {
        clearTimeout(idle);
        reject(new ProtocolError("BAD_REQUEST", "The request body was cut short"));
      });
    });
  }

  onClose(listener: () => void): void {
    // `on`, not `once`: a response closes once, and a waiting long-poll keeps no once-wrapper.
    this.res.on("close", () => {
      if (!this.res.writableFinished) listener();
    });
  }
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    throw new ProtocolError("INVALID_PATH", "The URL path is not valid percent-encoding");
  }
}

function tooLarge(limit: number): ProtocolError {
  return new ProtocolError("PAYLOAD_TOO_LARGE", `The request body exceeds ${limit} bytes`);
}

function send(
  app: ProtocolApp,
  request: NodeRequest,
  res: ServerResponse,
  reply: HttpReply,
  compressMinBytes: number,
): void {
  const req = request.req;
  if (reply.stream) {
    // Started even when the client is gone, so the session's bookkeeping (its live slot) ends.
    const open = !res.destroyed && !res.headersSent;
    if (open) {
      res.writeHead(reply.status, reply.headers);
      res.flushHeaders();
    }
    reply.stream(open ? new NodeSink(res) : CLOSED_SINK);
    return;
  }
  if (res.destroyed || res.headersSent) return;
  // A refused request whose body is still arriving: close rather than read the rest of it.
  if (reply.status >= 400 && !req.complete) reply.headers.connection = "close";
  const parts = reply.body ?? [];
  const size = byteLength(parts);
  const encoding = compressionFor(req, reply, size, compressMinBytes);
  if (!encoding) {
    writeReply(app, request, res, reply, parts, size);
    return;
  }
  // Only a large body's compression waits (for the thread pool); the rest, a fan-out's many
  // small answers among them, is written in the same tick without a promise.
  const compressed = compressOnce(encoding, parts, size);
  if (!(compressed instanceof Promise)) {
    sendCompressed(app, request, res, reply, encoding, compressed);
    return;
  }
  compressed.then(
    (body) => sendCompressed(app, request, res, reply, encoding, body),
    // zlib failing on a body (out of memory) costs the compression, not the reply.
    () => {
      if (!res.destroyed) writeReply(app, request, res, reply, parts, size);
    },
  );
}

function sendCompressed(
  app: ProtocolApp,
  request: NodeRequest,
  res: ServerResponse,
  reply: HttpReply,
  encoding: Encoding,
  compressed: Uint8Array,
): void {
  compressedHeaders(reply, encoding);
  if (res.destroyed) return;
  writeReply(app, request, res, reply, [compressed], compressed.length);
}

/** The headers of a compressed representation. */
function compressedHeaders(reply: HttpReply, encoding: Encoding): void {
  if (!reply.shared) {
    representation(reply.headers, encoding);
    addVary(reply.headers);
    return;
  }
  // Every waiter of a fan-out gets the same compressed form: its headers are shared too. Vary
  // stays wherever it is (per reply when CORS lists origins).
  reply.shared = reply.shared.variant(encoding, (headers) => {
    representation(headers, encoding);
    if (headers.vary !== undefined) addVary(headers);
  });
  if (reply.shared.get("vary") === undefined) addVary(reply.headers);
}

function representation(headers: Record<string, string>, encoding: Encoding): void {
  headers["content-encoding"] = encoding;
  // A different representation needs a different strong validator; a weak one still matches If-None-Match.
  if (headers.etag) headers.etag = `W/${headers.etag}`;
}

function addVary(headers: Record<string, string>): void {
  headers.vary = headers.vary ? `${headers.vary}, accept-encoding` : "accept-encoding";
}

function writeReply(
  app: ProtocolApp,
  request: NodeRequest,
  res: ServerResponse,
  reply: HttpReply,
  parts: Uint8Array[],
  size: number,
): void {
  if (reply.status !== 204 && reply.status !== 304) reply.headers["content-length"] = String(size);
  res.writeHead(reply.status, reply.shared ? headerList(reply) : reply.headers);
  if (reply.sent) res.once("finish", reply.sent);
  if (parts.length === 1) {
    res.end(parts[0]);
  } else {
    res.cork();
    for (const part of parts) res.write(part);
    res.end();
    res.uncork();
  }
  if (res.writableLength > 0) watchFlush(app, request, res);
}

/** The shared headers, then the reply's own, as node:http's flat name, value list. */
function headerList(reply: HttpReply): string[] {
  const list = reply.shared!.list().slice();
  const own = reply.headers;
  for (const name in own) list.push(name, own[name]!);
  return list;
}

function byteLength(parts: readonly Uint8Array[]): number {
  let size = 0;
  for (const part of parts) size += part.length;
  return size;
}

/**
 * Compressed forms of bodies, by the body's parts array: handlers hand the same array to every
 * reply with the same bytes (long-poll waiters woken by one append), so each encoding of it is
 * computed once however many clients ask. Entries go with the array.
 */
const compressedBodies = new WeakMap<Uint8Array[], Map<Encoding, Uint8Array | Promise<Uint8Array>>>();

function compressOnce(encoding: Encoding, parts: Uint8Array[], size: number): Uint8Array | Promise<Uint8Array> {
  let forms = compressedBodies.get(parts);
  if (!forms) {
    forms = new Map();
    compressedBodies.set(parts, forms);
  }
  let compressed = forms.get(encoding);
  if (!compressed) {
    compressed = compress(encoding, parts, size);
    forms.set(encoding, compressed);
    // Replies that come once it is done take the bytes without waiting on the promise; a
    // failed compression is forgotten, so the next reply tries again.
    if (compressed instanceof Promise) {
      const known = forms;
      compressed.then(
        (body) => known.set(encoding, body),
        () => known.delete(encoding),
      );
    }
  }
  return compressed;
}

/**
 * A reply the socket could not take at once (a large read to a client that does not read):
 * it must be flushed within the slow-reader timeout, or the connection is cut, so unread
 * replies cannot pile up in memory.
 */
function watchFlush(app: ProtocolApp, request: NodeRequest, res: ServerResponse): void {
  const timeoutMs = app.options.slowReaderTimeoutMs;
  if (timeoutMs <= 0) return;
  const timer = setTimeout(() => {
    if (res.writableFinished || res.destroyed) return;
    app.slowReaderCut("response", request);
    res.destroy();
  }, timeoutMs);
  timer.unref();
  const done = () => clearTimeout(timer);
  res.once("finish", done);
  res.once("close", done);
}

class NodeSink implements ReplySink {
  constructor(private readonly res: ServerResponse) {
    // SSE events must reach the client one by one, not wait for Nagle.
    res.socket?.setNoDelay(true);
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  get bufferedBytes(): number {
    return this.res.writableLength;
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.closed) return false;
    const socket = this.res.socket;
    // Shared bytes go straight to the socket as one HTTP/1.1 chunk, framed once for every
    // connection they are written to. Only when the response owns the socket with nothing
    // of its own queued, so bytes stay in order; otherwise node:http frames and queues them.
    if (typeof chunk !== "string" && socket && this.res.chunkedEncoding && outputQueued(this.res) === 0) {
      return socket.write(framedChunk(chunk));
    }
    return this.res.write(chunk);
  }

  end(): void {
    if (!this.closed) this.res.end();
  }

  abort(): void {
    this.res.destroy();
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.res.once("close", listener);
  }

  drain(): Promise<void> {
    const socket = this.res.socket;
    if (this.closed || (!this.res.writableNeedDrain && !socket?.writableNeedDrain)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off("close", done);
        socket?.off("drain", done);
        this.res.off("drain", done);
        resolve();
      };
      this.res.once("close", done);
      // Direct writes fill the socket's buffer, queued ones the response's: either drains.
      socket?.once("drain", done);
      this.res.once("drain", done);
    });
  }
}

/** Bytes node:http holds for a response before they reach its socket (headers, queued writes). */
function outputQueued(res: ServerResponse): number {
  return (res as unknown as { outputSize: number }).outputSize;
}

const CRLF = Buffer.from("\r\n");
let lastPayload: Uint8Array | undefined;
let lastFramed: Buffer | undefined;

/**
 * `payload` as one chunk of a chunked body (RFC 9112 §7.1). A fan-out writes the same payload
 * to every session in turn, so the last framing is kept and reused.
 */
function framedChunk(payload: Uint8Array): Buffer {
  if (payload !== lastPayload || !lastFramed) {
    lastFramed = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, CRLF]);
    lastPayload = payload;
  }
  return lastFramed;
}

/** The sink of a session whose client left before it started. */
const CLOSED_SINK: ReplySink = {
  closed: true,
  bufferedBytes: 0,
  write: () => false,
  end: () => {},
  abort: () => {},
  onClose: (listener) => listener(),
  drain: () => Promise.resolve(),
};
