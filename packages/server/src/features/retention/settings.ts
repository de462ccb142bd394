/**
 * `GET` and `PATCH {base}/__ds/streams/{path}`: a stream's retention settings (docs/extensions.md,
 * "Retention"). PATCH takes a JSON merge patch (RFC 7396) of `retention_ms` and
 * `retention_bytes`: a number sets one, `null` removes it (the server default applies again).
 * Both answer the stream's settings, what applies, and where it starts and ends.
 */
import { formatOffset, NO_STORE, ProtocolError, patchRetention } from "@rivulet/protocol";
import type { Engine } from "../../engine/engine.js";
import type { StreamState } from "../../engine/stream-state.js";
import type { Context } from "../../http/context.js";
import { type HttpReply, type HttpRequest, reply } from "../../http/exchange.js";
import type { RouteParams } from "../../http/routing/route.js";
import { streamOf } from "./stream-path.js";

const MAX_PATCH_BYTES = 64 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export async function handleSettings(_request: HttpRequest, context: Context, params: RouteParams): Promise<HttpReply> {
  const stream = await context.engine.get(streamOf(context, params), false);
  return describe(context.engine, stream);
}

export async function handlePatch(request: HttpRequest, context: Context, params: RouteParams): Promise<HttpReply> {
  const type = request.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/merge-patch+json" && type !== "application/json") {
    throw new ProtocolError(
      "BAD_REQUEST",
      "A settings change is a JSON merge patch (Content-Type: application/merge-patch+json)",
    );
  }
  const patch = parseJson(await request.readBody(MAX_PATCH_BYTES));
  const path = streamOf(context, params);
  const current = await context.engine.get(path, false);
  const stream = await context.engine.configureRetention(path, patchRetention(current.meta.retention, patch));
  return describe(context.engine, stream);
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(body));
  } catch (cause) {
    throw new ProtocolError("INVALID_JSON", `The patch is not valid JSON: ${(cause as Error).message}`, {}, { cause });
  }
}

function describe(engine: Engine, stream: StreamState): HttpReply {
  const own = stream.meta.retention;
  const applied = engine.retentionOf(stream);
  const body = {
    path: stream.path,
    retention_ms: own.ms ?? null,
    retention_bytes: own.bytes ?? null,
    effective_retention_ms: applied.ms ?? null,
    effective_retention_bytes: applied.bytes ?? null,
    earliest_offset: formatOffset(stream.earliest),
    next_offset: formatOffset(stream.tail),
    next_seq: stream.nextSeq,
  };
  return reply(200, { "content-type": "application/json", "cache-control": NO_STORE }, [
    encoder.encode(JSON.stringify(body)),
  ]);
}
