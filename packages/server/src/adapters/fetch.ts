/**
 * Fetch-style adapter: `(Request) => Promise<Response>`, for Hono, Bun, Deno and Workers
 * hosts. Compression is left to the host, which usually does it already, and so are request
 * timeouts. Hosts that know the client's address pass it as `info.remoteAddress` (Bun:
 * `server.requestIP(req)`, Deno: `info.remoteAddr.hostname`); without it, per-client limits
 * do not apply.
 */
import { ProtocolError } from "@rivulet/protocol";
import { errorReply, type ProtocolApp } from "../http/app.js";
import { allHeaders, type HttpReply, type HttpRequest, type ReplySink } from "../http/exchange.js";
import { requestId } from "../http/request-id.js";
import { decodeBody } from "./request-body.js";

export interface FetchRequestInfo {
  /** The client's IP address, for per-client limits. */
  readonly remoteAddress?: string | undefined;
}

export type FetchHandler = (request: Request, info?: FetchRequestInfo) => Promise<Response>;

export function createFetchHandler(app: ProtocolApp): FetchHandler {
  return async (request, info) => {
    let reply: HttpReply;
    try {
      reply = await app.handle(new FetchRequest(request, info?.remoteAddress));
    } catch (error) {
      reply = errorReply(error);
    }
    return toResponse(reply, request.method === "HEAD");
  };
}

class FetchRequest implements HttpRequest {
  readonly id: string;
  readonly method: string;
  bodyBytes = 0;
  readonly query: URLSearchParams;
  readonly origin: string;
  readonly target: string;
  private readonly rawPath: string;
  private decodedPath: string | undefined;
  private body: Promise<Uint8Array> | undefined;

  constructor(
    private readonly request: Request,
    readonly remoteAddress: string | undefined,
  ) {
    const url = new URL(request.url);
    this.method = request.method;
    this.id = requestId(request.headers.get("x-request-id") ?? undefined);
    this.query = url.searchParams;
    this.origin = url.origin;
    this.rawPath = url.pathname;
    this.target = url.pathname + url.search;
  }

  /** Decoded on first use, inside the app's error handling, so a bad path gets a full error reply. */
  get path(): string {
    if (this.decodedPath === undefined) {
      try {
        this.decodedPath = decodeURIComponent(this.rawPath);
      } catch {
        throw new ProtocolError("INVALID_PATH", "The URL path is not valid percent-encoding");
      }
    }
    return this.decodedPath;
  }

  header(name: string): string | undefined {
    return this.request.headers.get(name) ?? undefined;
  }

  headerEntries(): Iterable<readonly [string, string]> {
    return this.request.headers.entries();
  }

  /** Read once: middleware that inspects the body and the handler get the same bytes. */
  readBody(limit: number): Promise<Uint8Array> {
    this.body ??= this.readOnce(limit).then((raw) => decodeBody(raw, this.header("content-encoding"), limit));
    return this.body;
  }

  private async readOnce(limit: number): Promise<Uint8Array> {
    if (Number(this.request.headers.get("content-length") ?? 0) > limit || !this.request.body) {
      if (this.request.body) throw tooLarge(limit);
      return new Uint8Array(0);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of this.request.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
    this.bodyBytes = size;
    return concat(chunks, size);
  }

  onClose(listener: () => void): void {
    this.request.signal.addEventListener("abort", listener, { once: true });
  }
}

function tooLarge(limit: number): ProtocolError {
  return new ProtocolError("PAYLOAD_TOO_LARGE", `The request body exceeds ${limit} bytes`);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** How many bytes a streamed body queues before writes report backpressure. */
const STREAM_HIGH_WATER_BYTES = 64 * 1024;

function toResponse(reply: HttpReply, head: boolean): Response {
  const headers = new Headers(allHeaders(reply));
  if (reply.stream) {
    const start = reply.stream;
    let sink: StreamSink | undefined;
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          sink = new StreamSink(controller);
          start(sink);
        },
        pull() {
          sink?.pulled();
        },
        cancel() {
          sink?.cancel();
        },
      },
      { highWaterMark: STREAM_HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
    );
    return new Response(body, { status: reply.status, headers });
  }
  const noBody = head || reply.status === 204 || reply.status === 304;
  const body = noBody
    ? null
    : concat(
        reply.body ?? [],
        (reply.body ?? []).reduce((n, p) => n + p.length, 0),
      );
  return new Response(body, { status: reply.status, headers });
}

const encoder = new TextEncoder();

/**
 * A streamed body backed by a byte-counted queue: `write` reports backpressure once the host
 * has not pulled 64 KiB, and `drain` waits until it pulls again, so a client that does not
 * read holds at most one SSE chunk here (the slow-reader guard bounds how long).
 */
class StreamSink implements ReplySink {
  private ended = false;
  private readonly closeListeners: Array<() => void> = [];
  private wake: (() => void) | undefined;

  constructor(private readonly controller: ReadableStreamDefaultController<Uint8Array>) {}

  get closed(): boolean {
    return this.ended;
  }

  get bufferedBytes(): number {
    return Math.max(0, STREAM_HIGH_WATER_BYTES - (this.controller.desiredSize ?? STREAM_HIGH_WATER_BYTES));
  }

  write(chunk: string | Uint8Array): boolean {
    if (this.ended) return false;
    // Shared bytes are copied: the host's stream owns what it is given.
    this.controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk.slice());
    return (this.controller.desiredSize ?? 1) > 0;
  }

  /** The host wants more: a pending drain resolves. */
  pulled(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  abort(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.controller.error(new Error("The client did not read the response in time"));
    } catch {
      // Already closed or cancelled.
    }
    this.fireClose();
    this.pulled();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.controller.close();
    } catch {
      // Already cancelled by the consumer.
    }
    this.fireClose();
    this.pulled();
  }

  cancel(): void {
    this.ended = true;
    this.fireClose();
    this.pulled();
  }

  onClose(listener: () => void): void {
    if (this.ended) listener();
    else this.closeListeners.push(listener);
  }

  drain(): Promise<void> {
    if (this.ended || (this.controller.desiredSize ?? 1) > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.wake;
      this.wake = () => {
        previous?.();
        resolve();
      };
    });
  }

  private fireClose(): void {
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
