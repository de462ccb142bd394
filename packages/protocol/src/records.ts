/**
 * The records view (docs/extensions.md, "Records view"): a read answered as a JSON array of
 * `{"offset","next_offset","seq","ts","value"}`, one element per message. A JSON stream's
 * message is embedded as stored (valid JSON with raw line breaks already flattened, json.ts),
 * so nothing is parsed or re-encoded; other streams carry each append's bytes as a string:
 * text as text, anything else as base64 (as SSE does, §5.8).
 *
 * The array has one record per line: `[`, then the records separated by `,` and a line feed,
 * then `]`, each bracket on a line of its own. JSON reads the line feeds as whitespace, and an
 * SSE data event carries the same text line for line.
 */
import { formatOffset } from "./offset.js";

export const RECORDS_VIEW = "records";

export interface RecordPosition {
  /** Stored position where the message starts and the one after it. */
  readonly start: number;
  readonly end: number;
  readonly seq: number;
  /** Append time, ms since the epoch. */
  readonly ts: number;
}

/**
 * A record's JSON text up to its value; the value and RECORD_END follow. The offsets may be
 * passed in already formatted: a message's next offset is the offset of the one after it.
 */
export function recordHead(
  record: RecordPosition,
  offset = formatOffset(record.start),
  nextOffset = formatOffset(record.end),
): string {
  return `{"offset":"${offset}","next_offset":"${nextOffset}","seq":${record.seq},"ts":${record.ts},"value":`;
}

export const RECORD_END = "}";
export const RECORDS_OPEN = "[";
/** Before the first record, and before each later one. */
export const RECORDS_FIRST = "\n";
export const RECORDS_NEXT = ",\n";
export const RECORDS_CLOSE = "\n]";
export const NO_RECORDS = "[\n]";

/** SSE data lines of a records array's text: `[`, one record per line with its separating comma, `]`. */
export function recordsDataLines(recordsText: string): string[] {
  return recordsText.split("\n");
}
