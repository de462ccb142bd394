/** One SSE connection (PROTOCOL §5.8) as an async sequence of chunks. */
import { Header, mediaType } from "@rivulet/protocol";
import { parseError, StreamError } from "../errors.js";
import type { RequestSpec, StreamingResponse, Transport } from "../http/transport.js";
import type { RawChunk } from "./chunk.js";
import { type RecordsOption, recordsQuery, viewRefused } from "./records.js";
import { SseChunkDecoder } from "./sse-decoder.js";

export interface SseRequest {
  url: string;
  offset: string;
  cursor: string | undefined;
  /** Limit for the response headers to arrive. */
  timeoutMs: number;
  /** When set, a connection with no event this long after its headers is declared stalled. */
  firstEventTimeoutMs: number | undefined;
  contentType: string | undefined;
  /** Records mode (records.ts): the view and limit to ask for. */
  records: RecordsOption | undefined;
  spec: Pick<RequestSpec, "callHeaders" | "callParams" | "overrideHeaders" | "overrideParams" | "signal" | "attempt">;
}

/** How the connection went, for the auto-mode policy. */
export interface SseStats {
  connected: boolean;
  connectedAt: number;
  events: number;
}

/** Raised when a connection delivers nothing: a proxy is buffering the event stream. */
export class SseStalledError extends Error {
  constructor() {
    super("SSE connection delivered no event in time; the response is probably buffered");
    this.name = "SseStalledError";
  }
}

export async function* sseConnection(
  transport: Transport,
  request: SseRequest,
  stats: SseStats,
): AsyncGenerator<RawChunk, void, undefined> {
  // The stall clock starts with the request: a buffering proxy may hold back the headers too.
  const stall = new AbortController();
  let stalled = false;
  let stallTimer: ReturnType<typeof setTimeout> | undefined;
  const stopStallClock = () => {
    if (stallTimer !== undefined) clearTimeout(stallTimer);
    stallTimer = undefined;
  };
  if (request.firstEventTimeoutMs !== undefined) {
    stallTimer = setTimeout(() => {
      stalled = true;
      stall.abort(new SseStalledError());
    }, request.firstEventTimeoutMs);
  }

  let response: StreamingResponse;
  try {
    response = await transport.stream({
      ...request.spec,
      operation: "read",
      method: "GET",
      url: request.url,
      query: { offset: request.offset, live: "sse", cursor: request.cursor, ...recordsQuery(request.records) },
      headers: { accept: "text/event-stream" },
      extraSignal: stall.signal,
      timeoutMs: request.timeoutMs,
    });
  } catch (error) {
    stopStallClock();
    throw stalled ? new SseStalledError() : error;
  }
  const refuse = (error: StreamError) => {
    stopStallClock();
    response.abort(error);
    response.finish(error);
    return error;
  };
  const contentType = response.headers.get(Header.contentType);
  if (contentType === null || mediaType(contentType) !== "text/event-stream" || response.body === null) {
    throw refuse(parseError(request.url, `Expected an event stream, got ${contentType ?? "no content type"}`));
  }
  const refusal = request.records ? viewRefused(request.url, response.headers) : undefined;
  if (refusal) throw refuse(refusal);
  stats.connected = true;
  stats.connectedAt = Date.now();

  // §5.8: binary streams arrive base64-encoded, announced by this header.
  const base64 = response.headers.get(Header.sseDataEncoding)?.toLowerCase() === "base64";
  const decoder = new SseChunkDecoder({ base64, url: request.url }, request.contentType);
  const text = new TextDecoder();
  const reader = response.body.getReader();
  let failure: unknown;
  try {
    while (true) {
      const read = await reader.read().catch((error: unknown) => {
        throw stalled ? new SseStalledError() : response.bodyError(error);
      });
      const chunks = read.done
        ? decoder.push(text.decode()).concat(decoder.end())
        : decoder.push(text.decode(read.value, { stream: true }));
      stats.events = decoder.events;
      if (decoder.events > 0) stopStallClock();
      for (const chunk of chunks) yield chunk;
      if (read.done) break;
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    stopStallClock();
    // Ends the connection when the consumer stops early (return) or on failure.
    reader.cancel().catch(() => {});
    response.finish(failure instanceof StreamError ? failure : undefined);
  }
}
