/**
 * HEAD: stream metadata without a body (PROTOCOL §5.5), with the extension headers (earliest
 * offset, next seq, retention). Does not reset a sliding TTL. With `?at=<time>` it also names
 * the first message appended at or after that time (docs/extensions.md, "Point in time").
 */
import { formatOffset, Header, NO_STORE, parseAt } from "@rivulet/protocol";
import { firstAtOrAfter } from "../../engine/positions.js";
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";
import { metadataHeaders } from "../stream-headers.js";

export async function handleHead(request: HttpRequest, context: Context): Promise<HttpReply> {
  const at = request.query.get("at");
  const time = at === null ? undefined : parseAt(at);
  const { engine } = context;
  const stream = await engine.current(request.path, false);
  // §5.5: HEAD must not be cached, or clients would see stale tails and closure.
  const headers: Record<string, string> = {
    ...metadataHeaders(stream, engine.retentionOf(stream)),
    [Header.cacheControl]: NO_STORE,
  };
  if (time !== undefined) {
    const found = await firstAtOrAfter(engine, stream, time);
    headers[Header.atOffset] = formatOffset(found.position);
    headers[Header.atSeq] = String(found.seq);
    if (found.ts !== undefined) headers[Header.atTime] = String(found.ts);
  }
  return reply(200, headers);
}
