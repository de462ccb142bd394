/**
 * GET {base}/__ds/streams: the admin listing of streams under a path prefix, in path order,
 * a page at a time. Lives under the protocol's reserved `__ds` segment (PROTOCOL §6), so it
 * can never collide with an application stream.
 *
 * Query: `prefix` (a stream path prefix; default every stream under the base path),
 * `after` (the `next` of the previous page), `limit` (1–1000, default 100).
 */
import { formatOffset, NO_STORE, ProtocolError } from "@rivulet/protocol";
import type { Context } from "../../http/context.js";
import { type HttpReply, type HttpRequest, reply } from "../../http/exchange.js";
import type { StoredStream } from "../../store/types.js";

const MAX_LIMIT = 1000;
const encoder = new TextEncoder();

export async function handleList(request: HttpRequest, context: Context): Promise<HttpReply> {
  const prefix = request.query.get("prefix") ?? `${context.options.basePath}/`;
  const after = request.query.get("after") ?? undefined;
  const limitParam = request.query.get("limit");
  const limit = limitParam === null ? 100 : Number(limitParam);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ProtocolError("BAD_REQUEST", `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  // Internal streams (features' state) are never listed: a page may be short and still have a `next`.
  const page = await context.engine.list(prefix, after, limit);
  const body = { streams: page.streams.map(describe), next: page.next ?? null };
  return reply(200, { "content-type": "application/json", "cache-control": NO_STORE }, [
    encoder.encode(JSON.stringify(body)),
  ]);
}

function describe(stream: StoredStream) {
  return {
    path: stream.meta.path,
    contentType: stream.meta.contentType,
    nextOffset: formatOffset(stream.tail),
    bytes: stream.tail,
    closed: stream.closed,
    deleted: stream.softDeleted,
    createdAt: new Date(stream.meta.createdAt).toISOString(),
    ttlSeconds: stream.meta.lifetime.ttlSeconds ?? null,
    expiresAt:
      stream.meta.lifetime.expiresAt === undefined ? null : new Date(stream.meta.lifetime.expiresAt).toISOString(),
    forkedFrom: stream.meta.fork?.source ?? null,
    forks: stream.forks,
  };
}
