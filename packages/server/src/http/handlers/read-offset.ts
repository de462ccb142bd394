/**
 * The `offset` query parameter, resolved against a stream (PROTOCOL §8). With retention the
 * beginning (`-1`) is the earliest retained position, and an offset before it is 410 Gone with
 * that position (§5.6, docs/extensions.md).
 */
import { formatOffset, ProtocolError, parseReadOffset } from "@rivulet/protocol";
import { checkRetained } from "../../engine/earliest.js";
import type { StreamState } from "../../engine/stream-state.js";
import type { HttpRequest } from "../exchange.js";

export interface ResolvedOffset {
  readonly position: number;
  /** `offset=now`: start at the tail and send no historical data. */
  readonly now: boolean;
}

export function requestedOffset(request: HttpRequest, required: boolean) {
  const raw = request.query.get("offset");
  // §5.7, §5.8: live modes must name where to start.
  if (raw === null && required) throw new ProtocolError("INVALID_OFFSET", "Live reads need an offset parameter");
  return parseReadOffset(raw);
}

export function resolveOffset(offset: ReturnType<typeof parseReadOffset>, stream: StreamState): ResolvedOffset {
  if (offset.kind === "now") return { position: stream.tail, now: true };
  if (offset.kind === "beginning") return { position: stream.earliest, now: false };
  if (offset.position > stream.tail) {
    throw new ProtocolError("INVALID_OFFSET", `Offset ${formatOffset(offset.position)} is beyond the stream's tail`);
  }
  checkRetained(stream, offset.position);
  return { position: offset.position, now: false };
}
