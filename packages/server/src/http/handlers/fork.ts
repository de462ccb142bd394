/** PUT with Stream-Forked-From: create a fork of another stream (PROTOCOL §4.2). */
import { Header, ProtocolError, parseSubOffset } from "@rivulet/protocol";
import type { Context } from "../context.js";
import type { HttpReply, HttpRequest } from "../exchange.js";
import { handleCreate } from "./create.js";

export async function handleFork(request: HttpRequest, context: Context): Promise<HttpReply> {
  const source = sourcePath(request.header(Header.forkedFrom) ?? "");
  // Internal streams (features' state, signing keys among it) are no stream of a client's: no fork reads them.
  if (context.engine.isInternal(source)) {
    throw new ProtocolError("FORK_SOURCE_NOT_FOUND", `Fork source not found: ${source}`);
  }
  return handleCreate(request, context, {
    source,
    offset: request.header(Header.forkOffset),
    subOffset: parseSubOffset(request.header(Header.forkSubOffset)),
  });
}

/** The source is named by its URL path; a full URL on this server is accepted too. */
export function sourcePath(value: string): string {
  const trimmed = value.trim();
  let path = trimmed;
  if (/^https?:\/\//i.test(trimmed)) path = new URL(trimmed).pathname;
  if (!path.startsWith("/")) throw new ProtocolError("BAD_REQUEST", "Stream-Forked-From must be a stream path");
  try {
    return decodeURIComponent(path);
  } catch {
    throw new ProtocolError("BAD_REQUEST", "Stream-Forked-From is not a valid path");
  }
}
