/** GET with live=long-poll: wait for data past the offset (PROTOCOL §5.7, §10.1). */
import { formatOffset, Header, NO_STORE, nextCursor, readEtag } from "@rivulet/protocol";
import { readChunk } from "../../engine/reader.js";
import type { StreamState } from "../../engine/stream-state.js";
import { waitForData } from "../../engine/wait.js";
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";
import { cacheableReads, wireBody } from "../stream-headers.js";
import { requestedOffset, resolveOffset } from "./read-offset.js";

export async function handleLongPoll(request: HttpRequest, context: Context): Promise<HttpReply> {
  const offset = requestedOffset(request, true);
  const { engine, options } = context;
  const stream = await engine.get(request.path, true);
  const { position } = resolveOffset(offset, stream);

  engine.acquireLive(stream);
  try {
    if (stream.tail <= position && !stream.closed) {
      const reason = await waitForData(engine, stream, position, options.longPollTimeoutMs, (l) => request.onClose(l));
      // A deleted stream answers 404 or 410; shutdown ("closing") answers 204 like a timeout.
      if (reason === "gone") await engine.get(request.path, false);
    }
    const cursor = nextCursor(engine.now(), request.query.get("cursor") ?? undefined);
    if (stream.tail > position) return await dataReply(context, stream, position, cursor);
    return noDataReply(stream, position, cursor);
  } finally {
    engine.releaseLive(stream);
  }
}

async function dataReply(context: Context, stream: StreamState, position: number, cursor: string): Promise<HttpReply> {
  const chunk = await readChunk(context.engine, stream, position, context.options.chunkBytes);
  const headers: Record<string, string> = {
    [Header.contentType]: stream.contentType,
    [Header.nextOffset]: formatOffset(chunk.end),
    [Header.etag]: readEtag(stream.etagId, formatOffset(chunk.start), formatOffset(chunk.end), chunk),
    // Safe to cache when keyed by offset and cursor (§10.1).
    [Header.cacheControl]: cacheableReads(context.options),
  };
  if (chunk.upToDate) headers[Header.upToDate] = "true";
  if (chunk.closed) headers[Header.closed] = "true";
  else headers[Header.cursor] = cursor;
  return reply(200, headers, wireBody(stream.contentType, chunk.parts));
}

/** §5.7: 204 with the tail, up-to-date, and either a cursor (open) or Stream-Closed (EOF). */
function noDataReply(stream: StreamState, position: number, cursor: string): HttpReply {
  const headers: Record<string, string> = {
    [Header.nextOffset]: formatOffset(Math.max(position, stream.tail)),
    [Header.upToDate]: "true",
    [Header.cacheControl]: NO_STORE,
  };
  if (stream.closed) headers[Header.closed] = "true";
  else headers[Header.cursor] = cursor;
  return reply(204, headers);
}
