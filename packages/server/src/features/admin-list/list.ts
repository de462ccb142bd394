/**
 * GET {base}/__ds/streams: the admin listing of streams under a path prefix, in path order,
 * a page at a time. Lives under the protocol's reserved `__ds` segment (PROTOCOL §6), so it
 * can never collide with an application stream.
 *
 * Query: `prefix` (a stream path prefix; default every stream under the base path),
 * `after` (the `next` of the previous page), `limit` (1–1000, default 100), `search` (only
 * paths holding this text, any case; a request scans at most `scanLimit` streams, and `next`
 * continues the search).
 */
import { effectiveRetention, formatOffset, NO_STORE, ProtocolError, type Retention } from "@rivulet/protocol";
import type { Context } from "../../http/context.js";
import { type HttpReply, type HttpRequest, reply } from "../../http/exchange.js";
import type { StoredStream } from "../../store/types.js";
import type { ActivityTable } from "./activity.js";
import { listPage } from "./search.js";

const MAX_LIMIT = 1000;
const encoder = new TextEncoder();

export function listHandler(activity: ActivityTable, scanLimit: number) {
  return async (request: HttpRequest, context: Context): Promise<HttpReply> => {
    const prefix = request.query.get("prefix") ?? `${context.options.basePath}/`;
    const after = request.query.get("after") ?? undefined;
    const limitParam = request.query.get("limit");
    const limit = limitParam === null ? 100 : Number(limitParam);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new ProtocolError("BAD_REQUEST", `limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    const search = request.query.get("search") || undefined;
    const page = await listPage(context.engine, { prefix, after, limit, search }, scanLimit);
    const body = {
      streams: page.streams.map((stream) => describe(stream, activity, serverRetention(context))),
      next: page.next,
      ...(search === undefined ? {} : { scanned: page.scanned }),
    };
    return reply(200, { "content-type": "application/json", "cache-control": NO_STORE }, [
      encoder.encode(JSON.stringify(body)),
    ]);
  };
}

/** The server's default retention (--retention-ms, --retention-bytes; 0 is none). */
function serverRetention(context: Context): Retention {
  const { retentionMs, retentionBytes } = context.options;
  return { ...(retentionMs > 0 ? { ms: retentionMs } : {}), ...(retentionBytes > 0 ? { bytes: retentionBytes } : {}) };
}

function describe(stream: StoredStream, activity: ActivityTable, defaults: Retention) {
  const retention = effectiveRetention(stream.meta.retention, defaults);
  const recent = activity.of(stream.meta.path);
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
    // What retention applies: the stream's own settings, each falling back to the server's.
    retention: { ms: retention.ms ?? null, bytes: retention.bytes ?? null },
    // What this server saw since it started (activity.ts); null for a stream it has not seen written.
    activity: recent && {
      lastWriteAt: recent.lastWriteAt === undefined ? null : new Date(recent.lastWriteAt).toISOString(),
      messages: recent.messages ?? null,
      messagesPerSecond: Math.round(recent.messagesPerSecond * 100) / 100,
    },
  };
}
