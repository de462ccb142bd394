/** GET with live=long-poll: wait for data past the offset (PROTOCOL §5.7, §10.1), in either view. */
import { formatOffset, Header, NO_STORE, nextCursor, readEtag } from "@rivulet/protocol";
import { checkRetained } from "../../engine/earliest.js";
import type { LiveSet } from "../../engine/live.js";
import { readChunk } from "../../engine/reader.js";
import { readRecords } from "../../engine/records.js";
import type { StreamState } from "../../engine/stream-state.js";
import { waitForData } from "../../engine/wait.js";
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";
import { RECORDS_HEADERS, type ReadView, readView, recordsBody, recordsEtag } from "../read-view.js";
import { SharedHeaders } from "../shared-headers.js";
import { cacheableReads, wireBody } from "../stream-headers.js";
import { requestedOffset, resolveOffset } from "./read-offset.js";

export async function handleLongPoll(request: HttpRequest, context: Context): Promise<HttpReply> {
  const offset = requestedOffset(request, true);
  const view = readView(request);
  const { engine, options } = context;
  const { stream } = await engine.followLive(request.path, true);
  try {
    const { position } = resolveOffset(offset, stream);
    if (stream.tail <= position && !stream.closed) {
      const reason = await waitForData(engine, stream, position, options.longPollTimeoutMs, (l) => request.onClose(l));
      // A deleted stream answers 404 or 410; shutdown ("closing") answers 204 like a timeout.
      if (reason === "gone") await engine.get(request.path, false);
    }
    // Retention may have passed the position while it waited.
    checkRetained(stream, position);
    const cursor = nextCursor(engine.now(), request.query.get("cursor") ?? undefined);
    if (stream.tail > position) return await dataReply(context, stream, position, cursor, view);
    return noDataReply(stream, position, cursor, view);
  } finally {
    engine.releaseLive(stream);
  }
}

async function dataReply(
  context: Context,
  stream: StreamState,
  position: number,
  cursor: string,
  view: ReadView,
): Promise<HttpReply> {
  if (view.records) return recordsReply(context, stream, position, cursor, view.records.limit);
  // Every waiter woken by one append asks for the same bytes: one read, ETag, header set (and
  // its CORS and security headers, node:http's list of them) and body (and so one compression
  // of it in the adapter) serve all of them until the next append.
  const live = stream.live;
  // The tail and closure are in the key: a store-side change (another cluster node's append)
  // moves them without a local append clearing what is shared.
  const key = `long-poll:${position}:${stream.tail}:${stream.closed}`;
  const answer = await (live
    ? live.shared(key, () => sharedAnswer(live, key, context, stream, position))
    : plainAnswer(context, stream, position));
  // Retention may move the earliest offset between appends; the cursor is per client (§10.1).
  const own: Record<string, string> = { [Header.earliestOffset]: formatOffset(stream.earliest) };
  if (!answer.closed) own[Header.cursor] = cursor;
  return { status: 200, headers: own, shared: answer.headers, body: answer.body };
}

/** The reply of a plain-view read at one position, less what differs per client. */
interface PlainAnswer {
  /** Everything but the earliest offset and the cursor, shared by every reply of the answer. */
  readonly headers: SharedHeaders;
  readonly body: Uint8Array[];
  readonly closed: boolean;
}

async function plainAnswer(context: Context, stream: StreamState, position: number): Promise<PlainAnswer> {
  const { engine, options } = context;
  const chunk = await readChunk(engine, stream, position, options.chunkBytes);
  const end = formatOffset(chunk.end);
  const headers: Record<string, string> = {
    [Header.contentType]: stream.contentType,
    [Header.nextOffset]: end,
    [Header.etag]: readEtag(stream.etagId, formatOffset(chunk.start), end, chunk),
    // Safe to cache when keyed by offset and cursor (§10.1).
    [Header.cacheControl]: cacheableReads(options),
  };
  if (chunk.upToDate) headers[Header.upToDate] = "true";
  if (chunk.closed) headers[Header.closed] = "true";
  return { headers: new SharedHeaders(headers), body: wireBody(stream.contentType, chunk.parts), closed: chunk.closed };
}

/** A failed read is not kept: the next waiter at the position tries again. */
function sharedAnswer(
  live: LiveSet,
  key: string,
  context: Context,
  stream: StreamState,
  position: number,
): Promise<PlainAnswer> {
  const answer = plainAnswer(context, stream, position);
  answer.catch(() => live.unshare(key));
  return answer;
}

async function recordsReply(
  context: Context,
  stream: StreamState,
  position: number,
  cursor: string,
  limit: number,
): Promise<HttpReply> {
  const { engine, options } = context;
  const records = await readRecords(engine, stream, position, options.chunkBytes, limit);
  const headers: Record<string, string> = { ...RECORDS_HEADERS };
  headers[Header.nextOffset] = formatOffset(records.end);
  headers[Header.etag] = recordsEtag(
    stream.etagId,
    formatOffset(records.start),
    records,
    formatOffset(records.end),
    limit,
  );
  headers[Header.earliestOffset] = formatOffset(stream.earliest);
  headers[Header.cacheControl] = cacheableReads(options);
  if (records.upToDate) headers[Header.upToDate] = "true";
  if (records.closed) headers[Header.closed] = "true";
  else headers[Header.cursor] = cursor;
  const answer = reply(200, headers, recordsBody(records));
  answer.sent = records.release;
  return answer;
}

/** §5.7: 204 with the tail, up-to-date, and either a cursor (open) or Stream-Closed (EOF). */
function noDataReply(stream: StreamState, position: number, cursor: string, view: ReadView): HttpReply {
  const headers: Record<string, string> = {
    [Header.nextOffset]: formatOffset(Math.max(position, stream.tail)),
    [Header.upToDate]: "true",
    [Header.cacheControl]: NO_STORE,
    [Header.earliestOffset]: formatOffset(stream.earliest),
  };
  if (view.records) headers[Header.view] = RECORDS_HEADERS[Header.view];
  if (stream.closed) headers[Header.closed] = "true";
  else headers[Header.cursor] = cursor;
  return reply(204, headers);
}
