/** One GET read: catch-up (PROTOCOL §5.6) or long-poll (§5.7), as a RawChunk. */
import { Header, isTrueFlag } from "@rivulet/protocol";
import { parseError } from "../errors.js";
import type { BufferedResponse, RequestSpec, Transport } from "../http/transport.js";
import type { RawChunk } from "./chunk.js";
import { type RecordsOption, recordsQuery, viewRefused } from "./records.js";

export interface HttpReadRequest {
  url: string;
  offset: string;
  cursor: string | undefined;
  longPoll: boolean;
  /** Records mode (records.ts): the view and limit to ask for. */
  records: RecordsOption | undefined;
  timeoutMs: number;
  spec: Pick<RequestSpec, "callHeaders" | "callParams" | "overrideHeaders" | "overrideParams" | "signal" | "attempt">;
}

export async function httpRead(transport: Transport, request: HttpReadRequest): Promise<RawChunk> {
  const query: Record<string, string | undefined> = { offset: request.offset, ...recordsQuery(request.records) };
  if (request.longPoll) {
    query.live = "long-poll";
    // §10.1: echo the cursor so CDNs can collapse waiting clients.
    query.cursor = request.cursor;
  }
  const response = await transport.send({
    ...request.spec,
    operation: "read",
    method: "GET",
    url: request.url,
    query,
    timeoutMs: request.timeoutMs,
    // A catch-up read must not take a cached tail for the current one; a long-poll moves on
    // from whatever it gets, and its cursor keys each wait apart (§10.1).
    revalidate: !request.longPoll,
  });
  return chunkOf(request.url, response, request.offset, request.cursor, Boolean(request.records));
}

/** A read response as a chunk; `offset` and `cursor` are the request's, kept when a 204 leaves them out. */
export function chunkOf(
  url: string,
  response: BufferedResponse,
  offset: string,
  cursor: string | undefined,
  records = false,
): RawChunk {
  const { headers } = response;
  // A records answer is JSON whatever the stream holds, so it does not tell the stream's type.
  const refusal = records && response.status !== 204 ? viewRefused(url, headers) : undefined;
  if (refusal) throw refusal;
  const next = headers.get(Header.nextOffset);
  // §5.7: a 204 must carry the tail; tolerate its absence by staying where we are.
  if (next === null && response.status !== 204) {
    throw parseError(url, `Read response (${response.status}) has no Stream-Next-Offset`);
  }
  const closed = isTrueFlag(headers.get(Header.closed));
  return {
    pieces: response.status === 204 || response.body.length === 0 ? [] : [response.body],
    offset: next ?? offset,
    cursor: headers.get(Header.cursor) ?? cursor,
    // §5.7: a long-poll 204 means caught up; closure implies it too.
    upToDate: isTrueFlag(headers.get(Header.upToDate)) || response.status === 204 || closed,
    closed,
    contentType: response.status === 204 || records ? undefined : (headers.get(Header.contentType) ?? undefined),
  };
}
