/**
 * `POST {base}/__ds/trim/{path}` with `{"offset": "<offset>"}`: an explicit trim (docs/extensions.md,
 * "Trim"). The stream's earliest offset moves to the last message boundary at or before the
 * offset (`now`: the tail), never backwards and never below what its forks read; the answer
 * says where the stream starts now. (Not `…/streams/{path}/trim`: a stream path may itself end
 * in `/trim`.)
 */
import { formatOffset, NO_STORE, OFFSET_NOW, ProtocolError, parsePosition } from "@rivulet/protocol";
import type { Context } from "../../http/context.js";
import { type HttpReply, type HttpRequest, reply } from "../../http/exchange.js";
import type { RouteParams } from "../../http/routing/route.js";
import { streamOf } from "./stream-path.js";

const MAX_BODY = 4096;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export async function handleTrim(request: HttpRequest, context: Context, params: RouteParams): Promise<HttpReply> {
  const offset = parseOffset(await request.readBody(MAX_BODY));
  const path = streamOf(context, params);
  const { engine } = context;
  const stream = await engine.get(path, false);
  const earliest = await engine.trim(path, offset === OFFSET_NOW ? stream.tail : (offset as number));
  const body = { earliest_offset: formatOffset(earliest), next_offset: formatOffset(stream.tail) };
  return reply(200, { "content-type": "application/json", "cache-control": NO_STORE }, [
    encoder.encode(JSON.stringify(body)),
  ]);
}

function parseOffset(body: Uint8Array): number | typeof OFFSET_NOW {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(body));
  } catch (cause) {
    throw new ProtocolError(
      "INVALID_JSON",
      `The trim request is not valid JSON: ${(cause as Error).message}`,
      {},
      { cause },
    );
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (offset === OFFSET_NOW) return OFFSET_NOW;
  const position = typeof offset === "string" ? parsePosition(offset) : undefined;
  if (position === undefined) {
    throw new ProtocolError(
      "INVALID_OFFSET",
      `The trim request needs {"offset": "<offset>"}: ${JSON.stringify(offset)}`,
    );
  }
  return position;
}
