/**
 * Server-Sent Events framing (PROTOCOL §5.8). Pure text building; the server chooses the
 * payload encoding (JSON/text as-is, anything else base64) from the content type.
 */

export interface ControlEvent {
  streamNextOffset: string;
  streamCursor?: string;
  upToDate?: boolean;
  streamClosed?: boolean;
}

/** One SSE event; each line of `data` becomes its own `data:` line (the SSE rule for multi-line data). */
export function sseEvent(event: string, dataLines: readonly string[]): string {
  let out = `event: ${event}\n`;
  // Parsers strip one space after the colon, so a space is added only when the data itself
  // starts with one; otherwise `data:` is followed directly by the line.
  for (const line of dataLines) out += line.charCodeAt(0) === 0x20 ? `data: ${line}\n` : `data:${line}\n`;
  return `${out}\n`;
}

/**
 * Splits text into SSE data lines. SSE treats CR, LF and CRLF alike as line ends, so a text
 * payload's line breaks arrive at the client as LF.
 */
export function textDataLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * Data lines for a run of stored JSON messages (see json.ts): `[`, one line per message with
 * its separating comma, `]`. The client joins them with LF, which JSON treats as whitespace.
 */
export function jsonDataLines(storedText: string): string[] {
  const lines = storedText.length === 0 ? [] : storedText.slice(0, -1).split("\n");
  // Holes (json.ts, a compacted stream's removed messages) are left out.
  const messages = lines.some(isHoleLine) ? lines.filter((line) => !isHoleLine(line)) : lines;
  const last = messages.length - 1;
  if (last >= 0) messages[last] = messages[last]!.slice(0, -1);
  return ["[", ...messages, "]"];
}

function isHoleLine(line: string): boolean {
  return line.charCodeAt(0) === 0x20;
}

/** §5.8 control event: `streamCursor` only while open; `upToDate` implied by closure. */
export function controlEvent(control: ControlEvent): string {
  return sseEvent("control", [JSON.stringify(control)]);
}
