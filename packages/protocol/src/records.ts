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
import { formatOffset, OFFSET_BYTES, OFFSET_DIGITS, writeDecimal, writePositionDigits } from "./offset.js";

export const RECORDS_VIEW = "records";

export interface RecordPosition {
  /** Stored position where the message starts and the one after it. */
  readonly start: number;
  readonly end: number;
  readonly seq: number;
  /** Append time, ms since the epoch. */
  readonly ts: number;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/** A record's head up to its seq, with both offsets at position 0: copied, then the positions written in. */
// Pure: a bundle that never writes records (the client's) leaves these out.
const HEAD = /* @__PURE__ */ ascii(`{"offset":"${formatOffset(0)}","next_offset":"${formatOffset(0)}","seq":`);
const START_DIGITS = '{"offset":"'.length + OFFSET_BYTES - OFFSET_DIGITS;
const END_DIGITS = START_DIGITS + OFFSET_DIGITS + '","next_offset":"'.length + OFFSET_BYTES - OFFSET_DIGITS;
const TS_OPEN = /* @__PURE__ */ ascii(',"ts":');
const VALUE_OPEN = /* @__PURE__ */ ascii(',"value":');
/**
 * The most bytes writeRecordHead writes: the head up to the seq (102), `,"ts":` (6),
 * `,"value":` (9), and the seq and time (safe integers: at most 16 digits each). A literal, so
 * that bundles without records keep none of this module.
 */
export const RECORD_HEAD_BYTES = 149;

/**
 * Writes a record's JSON text up to its value, as ASCII, into `target` at `at` (which has room
 * for RECORD_HEAD_BYTES); returns where it ends. The value and RECORD_END follow:
 * `{"offset":"…","next_offset":"…","seq":N,"ts":T,"value":`. Bytes rather than a string, since
 * the records view writes one per message.
 */
export function writeRecordHead(target: Uint8Array, at: number, record: RecordPosition): number {
  target.set(HEAD, at);
  writePositionDigits(target, at + START_DIGITS, record.start);
  writePositionDigits(target, at + END_DIGITS, record.end);
  let end = writeDecimal(target, at + HEAD.length, record.seq);
  end = copySmall(target, end, TS_OPEN);
  end = writeDecimal(target, end, record.ts);
  return copySmall(target, end, VALUE_OPEN);
}

/** A few bytes copied one by one: cheaper than a call to set() for so few. */
function copySmall(target: Uint8Array, at: number, source: Uint8Array): number {
  for (let i = 0; i < source.length; i++) target[at + i] = source[i]!;
  return at + source.length;
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
