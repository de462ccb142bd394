/** GET with live=sse: a Server-Sent Events session (PROTOCOL §5.8, §10.2), in either view. */
import { formatOffset, Header, isSseTextContentType, RECORDS_VIEW } from "@rivulet/protocol";
import { requireMessageStart } from "../../engine/reader.js";
import type { Context } from "../context.js";
import { type HttpReply, type HttpRequest, reply } from "../exchange.js";
import { readView } from "../read-view.js";
import { runSseSession } from "../sse-session.js";
import { requestedOffset, resolveOffset } from "./read-offset.js";

export async function handleSse(request: HttpRequest, context: Context): Promise<HttpReply> {
  const offset = requestedOffset(request, true);
  const view = readView(request);
  const stream = await context.engine.current(request.path, true);
  const { position } = resolveOffset(offset, stream);
  // Checked before the 200 goes out: once the session runs, a refusal could only end it.
  await requireMessageStart(context.engine, stream, position);
  // Records are JSON text whatever the stream holds (docs/extensions.md).
  const base64 = !view.records && !isSseTextContentType(stream.contentType);
  const headers: Record<string, string> = {
    [Header.contentType]: "text/event-stream",
    [Header.cacheControl]: "no-cache",
    "x-accel-buffering": "no",
    // Where the stream starts when the session does (docs/extensions.md): a session that falls
    // behind retention ends, and reconnecting from its offset answers 410 with the new one.
    [Header.earliestOffset]: formatOffset(stream.earliest),
  };
  // §5.8: binary streams are base64-encoded, and the client is told so.
  if (base64) headers[Header.sseDataEncoding] = "base64";
  if (view.records) headers[Header.view] = RECORDS_VIEW;
  const response = reply(200, headers);
  response.stream = (sink) => {
    runSseSession(context, stream, sink, {
      position,
      base64,
      records: view.records,
      cursor: request.query.get("cursor") ?? undefined,
    });
  };
  return response;
}
