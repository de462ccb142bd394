/**
 * The single-message limit for JSON bodies (PROTOCOL §9.1). A body is one message, or a
 * top-level array whose elements are the messages; a message is sent whole to every reader
 * (one SSE event, never split across read chunks), so one huge message costs every reader.
 * The messages are found by the protocol module's own splitter, and only when the body is
 * larger than the limit, since no message can be larger than its body.
 */
import { jsonMessageSpans, ProtocolError } from "@rivulet/protocol";

export function checkJsonMessageSize(body: Uint8Array, maxBytes: number): void {
  if (body.length <= maxBytes) return;
  const oversized = firstOversizedMessage(body, maxBytes);
  if (oversized !== undefined) {
    throw new ProtocolError(
      "MESSAGE_TOO_LARGE",
      `JSON message ${oversized + 1} is larger than the ${maxBytes}-byte limit for one message`,
    );
  }
}

/** Index of the first message longer than `maxBytes`, if any. */
export function firstOversizedMessage(body: Uint8Array, maxBytes: number): number | undefined {
  const spans = jsonMessageSpans(body);
  for (let i = 0; i < spans.length; i += 2) {
    if (spans[i + 1]! - spans[i]! > maxBytes) return i / 2;
  }
  return undefined;
}
