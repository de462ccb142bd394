/**
 * The records view (docs/extensions.md, "Records view"): a read answered as a JSON array of
 * `{"offset","next_offset","seq","ts","value"}`, one element per message. A JSON stream's
 * message is embedded as stored (valid JSON with raw line breaks already flattened, json.ts),
 * so nothing is parsed or re-encoded; other streams carry each append's bytes as a string:
 * text as text, anything else as base64 (as SSE does, §5.8).
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

/** One record as JSON text; `value` is already JSON (a message, or a JSON string). */
export function recordJson(record: RecordPosition, value: string): string {
  return `{"offset":"${formatOffset(record.start)}","next_offset":"${formatOffset(record.end)}","seq":${record.seq},"ts":${record.ts},"value":${value}}`;
}

/** The body of a records-view response. */
export function recordsArray(records: readonly string[]): string {
  return `[${records.join(",")}]`;
}

/** SSE data lines for records: `[`, one record per line with its separating comma, `]`. */
export function recordsDataLines(records: readonly string[]): string[] {
  return ["[", ...records.map((record, i) => (i < records.length - 1 ? `${record},` : record)), "]"];
}
