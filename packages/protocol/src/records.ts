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
 * The most bytes RecordHeadWriter writes: the head up to the seq (102), `,"ts":` (6),
 * `,"value":` (9), and the seq and time (safe integers: at most 16 digits each). A literal, so
 * that bundles without records keep none of this module.
 */
export const RECORD_HEAD_BYTES = 149;

/** Digits of a safe integer, at most. */
const SAFE_DIGITS = 16;
const ZERO = 0x30;
const NINE = 0x39;
/** Steps larger than this are written afresh rather than added digit by digit. */
const MAX_STEP = 1e9;

/**
 * Writes records' JSON text up to their values, as ASCII: `{"offset":"…","next_offset":"…",
 * "seq":N,"ts":T,"value":`; the value and RECORD_END follow. Bytes rather than strings, since
 * the records view writes one per message. One writer serves one response, record after
 * record, and keeps the digits it last wrote: the next record starts where the last ended, seqs
 * count up by one and an append's messages share one time, so most heads cost a few digit
 * additions and four block copies instead of fifty divisions. (Byte-by-byte loops cost more
 * than a set() call for anything past a few bytes.)
 */
export class RecordHeadWriter {
  /** Digits of `position`, the end of the last record written (-1: none yet). */
  private readonly positionDigits = new Uint8Array(OFFSET_DIGITS);
  private position = -1;
  /** The head after the offsets: `N,"ts":T,"value":` for the last seq and time written. */
  private readonly rest = new Uint8Array(SAFE_DIGITS + TS_OPEN.length + SAFE_DIGITS + VALUE_OPEN.length);
  private restView = this.rest.subarray(0, 0);
  private seqLength = 0;
  private seq = -1;
  private ts = -1;

  /** Writes the head of `record` into `target` at `at` (room for RECORD_HEAD_BYTES); returns where it ends. */
  write(target: Uint8Array, at: number, record: RecordPosition): number {
    target.set(HEAD, at);
    const position = this.positionDigits;
    if (record.start !== this.position) writePositionDigits(position, 0, record.start);
    target.set(position, at + START_DIGITS);
    const step = record.end - record.start;
    if (step < MAX_STEP) addDecimal(position, step);
    else writePositionDigits(position, 0, record.end);
    this.position = record.end;
    target.set(position, at + END_DIGITS);
    const next = record.seq === this.seq + 1 && record.ts === this.ts;
    if (!next || !incrementDecimal(this.rest, this.seqLength)) this.writeRest(record.seq, record.ts);
    this.seq = record.seq;
    target.set(this.restView, at + HEAD.length);
    return at + HEAD.length + this.restView.length;
  }

  private writeRest(seq: number, ts: number): void {
    const rest = this.rest;
    this.seqLength = writeDecimal(rest, 0, seq);
    rest.set(TS_OPEN, this.seqLength);
    const end = writeDecimal(rest, this.seqLength + TS_OPEN.length, ts);
    rest.set(VALUE_OPEN, end);
    this.restView = rest.subarray(0, end + VALUE_OPEN.length);
    this.ts = ts;
  }
}

/** Adds `step` (below MAX_STEP) to the zero-padded decimal number in `digits`, which cannot overflow. */
function addDecimal(digits: Uint8Array, step: number): void {
  let carry = step;
  for (let i = digits.length - 1; carry > 0; i--) {
    const sum = digits[i]! - ZERO + carry;
    carry = (sum / 10) | 0;
    digits[i] = ZERO + sum - carry * 10;
  }
}

/** Adds one to the decimal number in the first `length` bytes of `digits`; false when it needs another digit. */
function incrementDecimal(digits: Uint8Array, length: number): boolean {
  for (let i = length - 1; i >= 0; i--) {
    if (digits[i] !== NINE) {
      digits[i]!++;
      return true;
    }
    digits[i] = ZERO;
  }
  return false;
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
