/**
 * GET without `live`: a catch-up read of one bounded chunk (PROTOCOL §5.6, §8 sentinels, §10),
 * in the plain view or, with `view=records`, the records view (docs/extensions.md).
 */
import { etagMatches, formatOffset, Header, isJsonContentType, NO_STORE, readEtag } from "@rivulet/protocol";
import { readChunk } from "../../engine/reader.js";
import { readRecords } from "../../engine/records.js";
import type { StreamState } from "../../engine/stream-state.js";
import { releaseReadBuffers } from "../../store/read-buffers.js";
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";
import { RECORDS_HEADERS, readView, recordsBody, recordsEtag } from "../read-view.js";
import { cacheableReads, wireBody } from "../stream-headers.js";
import { requestedOffset, resolveOffset } from "./read-offset.js";

const EMPTY_JSON = new TextEncoder().encode("[]");

export async function handleRead(request: HttpRequest, context: Context): Promise<HttpReply> {
  const offset = requestedOffset(request, false);
  const view = readView(request);
  const stream = await context.engine.current(request.path, true);
  const { position, now } = resolveOffset(offset, stream);
  const records = view.records !== undefined;
  const headers: Record<string, string> = records
    ? { ...RECORDS_HEADERS }
    : { [Header.contentType]: stream.contentType };
  headers[Header.earliestOffset] = formatOffset(stream.earliest);

  if (now) {
    // §8: offset=now answers the tail with no data, uncached and without an ETag.
    headers[Header.nextOffset] = formatOffset(position);
    headers[Header.upToDate] = "true";
    headers[Header.cacheControl] = NO_STORE;
    if (stream.closed) headers[Header.closed] = "true";
    return reply(200, headers, records || isJsonContentType(stream.contentType) ? [EMPTY_JSON] : []);
  }

  const { chunk, etag, body, release } = view.records
    ? await recordsChunk(context, stream, position, view.records.limit)
    : await plainChunk(context, stream, position);
  headers[Header.nextOffset] = formatOffset(chunk.end);
  headers[Header.etag] = etag;
  if (chunk.upToDate) headers[Header.upToDate] = "true";
  if (chunk.closed) headers[Header.closed] = "true";
  // Data chunks never change, so they are cacheable; an empty open tail is not (new data may come).
  const empty = chunk.end === chunk.start;
  headers[Header.cacheControl] = empty && !chunk.closed ? NO_STORE : cacheableReads(context.options);

  const ifNoneMatch = request.header(Header.ifNoneMatch);
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etag)) {
    release?.();
    return reply(304, headers);
  }
  const answer = reply(200, headers, body);
  if (release) answer.sent = release;
  return answer;
}

interface Answer {
  readonly chunk: { start: number; end: number; upToDate: boolean; closed: boolean };
  readonly etag: string;
  readonly body: Uint8Array[];
  /** Gives the body's buffer back once it has been written (records-writer.ts). */
  readonly release?: () => void;
}

async function plainChunk(context: Context, stream: StreamState, position: number): Promise<Answer> {
  const chunk = await readChunk(context.engine, stream, position, context.options.chunkBytes, true);
  const etag = readEtag(stream.etagId, formatOffset(chunk.start), formatOffset(chunk.end), chunk);
  // The parts may be views of pooled read buffers: they go back once the socket has them all.
  return {
    chunk,
    etag,
    body: wireBody(stream.contentType, chunk.parts),
    release: () => releaseReadBuffers(chunk.parts),
  };
}

async function recordsChunk(context: Context, stream: StreamState, position: number, limit: number): Promise<Answer> {
  const chunk = await readRecords(context.engine, stream, position, context.options.chunkBytes, limit, true);
  const etag = recordsEtag(stream.etagId, formatOffset(chunk.start), chunk, formatOffset(chunk.end), limit);
  return { chunk, etag, body: recordsBody(chunk), release: chunk.release };
}
