/**
 * The single-message limit for JSON bodies (PROTOCOL §9.1). A body is one message, or a
 * top-level array whose elements are the messages; a message is sent whole to every reader
 * (one SSE event, never split across read chunks), so one huge message costs every reader.
 * The scan is a byte loop that stops at the first oversized message; it runs only when the
 * body is larger than the limit, since no message can be larger than its body.
 */
import { ProtocolError } from "@rivulet/protocol";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

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

/** Index of the first message longer than `maxBytes` (whitespace around it included), if any. */
export function firstOversizedMessage(body: Uint8Array, maxBytes: number): number | undefined {
  let start = 0;
  while (start < body.length && isSpaceOrBom(body[start]!)) start++;
  if (body[start] !== OPEN_BRACKET) return body.length - start > maxBytes ? 0 : undefined;
  let depth = 0;
  let inString = false;
  let index = 0;
  let messageStart = start + 1;
  for (let i = start; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
    if ((c === COMMA && depth === 1) || depth === 0) {
      if (i - messageStart > maxBytes) return index;
      if (depth === 0) return undefined;
      index++;
      messageStart = i + 1;
    } else if (i - messageStart > maxBytes) {
      return index;
    }
  }
  return undefined;
}

function isSpaceOrBom(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xef || c === 0xbb || c === 0xbf;
}
