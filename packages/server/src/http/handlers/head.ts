/** HEAD: stream metadata without a body (PROTOCOL §5.5). Does not reset a sliding TTL. */
import { Header, NO_STORE } from "@rivulet/protocol";
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";
import { metadataHeaders } from "../stream-headers.js";

export async function handleHead(request: HttpRequest, context: Context): Promise<HttpReply> {
  const stream = await context.engine.get(request.path, false);
  // §5.5: HEAD must not be cached, or clients would see stale tails and closure.
  return reply(200, { ...metadataHeaders(stream), [Header.cacheControl]: NO_STORE });
}
