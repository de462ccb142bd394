/** GET with live=long-poll: wait for data past the offset (PROTOCOL §5.7, §10.1), in either view. */
import { formatOffset, Header, NO_STORE, nextCursor, readEtag } from "@rivulet/protocol";
import { checkRetained } from "../../engine/earliest.js";
import { readChunk } from "../../engine/reader.js";
import { readRecords } from "../../engine/records.js";
import type { StreamState } from "../../engine/stream-state.js";
import { waitForData } from "../../engine/wait.js";
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";
import { RECORDS_HEADERS, type ReadView, readView, recordsBody, recordsEtag } from "../read-view.js";
import { cacheableReads, wireBody } from "../stream-headers.js";
import { requestedOffset, resolveOffset } from "./read-offset.js";

export async function handleLongPoll(request: HttpRequest, context: Context): Promise<HttpReply> {
  const offset = requestedOffset(request, true);
  const view = readView(request);
  const { engine, options } = context;
  const stream = await engine.current(request.path, true);
  const { position } = resolveOffset(offset, stream);

  engine.acquireLive(stream);
  try {
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
  const { engine, options } = context;
  let chunk: { start: number; end: number; upToDate: boolean; closed: boolean };
  let etag: string;
  let body: Uint8Array[];
  let sent: (() => void) | undefined;
  const headers: Record<string, string> = view.records
    ? { ...RECORDS_HEADERS }
    : { [Header.contentType]: stream.contentType };
  if (view.records) {
    const records = await readRecords(engine, stream, position, options.chunkBytes, view.records.limit);
    chunk = records;
    etag = recordsEtag(
      stream.etagId,
      formatOffset(records.start),
      records,
      formatOffset(records.end),
      view.records.limit,
    );
    body = recordsBody(records);
    sent = records.release;
  } else {
    const plain = await readChunk(engine, stream, position, options.chunkBytes);
    chunk = plain;
    etag = readEtag(stream.etagId, formatOffset(plain.start), formatOffset(plain.end), plain);
    // Every waiter woken by one append answers the same bytes: one body (and so one
    // compression of it in the adapter) for all of them.
    const live = stream.live;
    body = live
      ? live.shared(`long-poll:${plain.start}:${plain.end}`, () => wireBody(stream.contentType, plain.parts))
      : wireBody(stream.contentType, plain.parts);
  }
  headers[Header.nextOffset] = formatOffset(chunk.end);
  headers[Header.etag] = etag;
  headers[Header.earliestOffset] = formatOffset(stream.earliest);
  // Safe to cache when keyed by offset and cursor (§10.1).
  headers[Header.cacheControl] = cacheableReads(options);
  if (chunk.upToDate) headers[Header.upToDate] = "true";
  if (chunk.closed) headers[Header.closed] = "true";
  else headers[Header.cursor] = cursor;
  const answer = reply(200, headers, body);
  if (sent) answer.sent = sent;
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
