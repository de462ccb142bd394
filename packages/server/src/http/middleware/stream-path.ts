/**
 * Stream path validation (PROTOCOL §12.2: validate and sanitize stream URLs, keep components
 * within limits). Runs on the decoded path, so percent-encoded tricks are caught as what they
 * decode to: `%2e%2e` is a `..` segment, `%2f` an extra separator, `%00` a NUL. What survives
 * one decoding still percent-encoded (`%252e` → `%2e`) is refused too, so no later layer that
 * decodes again can see a traversal. Also refused: empty, `.` and `..` segments (proxies and
 * caches collapse them, so one stream would have two names), control characters, backslashes,
 * and the Unicode line separators and bidirectional overrides that forge log lines or names.
 */
import { ProtocolError } from "@rivulet/protocol";

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this is for.
const FORBIDDEN_CHAR = /[\u0000-\u001f\u007f-\u009f\\\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const ENCODED_SEPARATOR = /%(?:2e|2f|5c|00)/i;
/** An empty, `.` or `..` segment: `//`, `/./`, `/../`, or one of them at the end. */
const DOT_OR_EMPTY_SEGMENT = /\/\.{0,2}(?:\/|$)/;

export function validateStreamPath(path: string, maxBytes: number): void {
  // UTF-8 needs at most 3 bytes per UTF-16 unit, so the byte count is only computed near the limit.
  if (path.length > maxBytes || (path.length * 3 > maxBytes && Buffer.byteLength(path) > maxBytes)) {
    throw new ProtocolError("PATH_TOO_LONG", `A stream path may be at most ${maxBytes} bytes`);
  }
  if (FORBIDDEN_CHAR.test(path)) {
    throw new ProtocolError("INVALID_PATH", "A stream path may not contain control characters or backslashes");
  }
  if (DOT_OR_EMPTY_SEGMENT.test(path)) {
    throw new ProtocolError("INVALID_PATH", "A stream path may not contain empty, '.' or '..' segments");
  }
  if (ENCODED_SEPARATOR.test(path)) {
    throw new ProtocolError("INVALID_PATH", "A stream path may not contain percent-encoded dots, slashes or NUL");
  }
}
