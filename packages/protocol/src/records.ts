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

const ZERO = 0x30;
const NINE = 0x39;
/** Steps larger than this are written afresh rather than added digit by digit. */
const MAX_STEP = 1e9;

/**
 * Writes records' JSON text up to their values, as ASCII: `{"offset":"…","next_offset":"…",
 * "seq":N,"ts":T,"value":`; the value and RECORD_END follow. Bytes rather than strings, since
 * the records view writes one per message. One writer serves one response, record after
 * record, and keeps the last head it wrote: the next record starts where the last ended, seqs
 * count up by one and an append's messages share one time, so most heads are the last one with
 * its end offset moved to its start, a few digits added, and one block copy out, instead of
 * fifty divisions. (Byte-by-byte loops cost more than a set() call for anything past a few bytes.)
 */
export class RecordHeadWriter {
  /** The last head written; `view` is the part in use. */
  private readonly head = new Uint8Array(RECORD_HEAD_BYTES);
  private view = this.head.subarray(0, 0);
  /** The last record's end, seq and time (-1: none yet). */
  private position = -1;
  private seq = -1;
  private ts = -1;
  private seqLength = 0;

  constructor() {
    this.head.set(HEAD);
  }

  /** Writes the head of `record` into `target` at `at` (room for RECORD_HEAD_BYTES); returns where it ends. */
  write(target: Uint8Array, at: number, record: RecordPosition): number {
    const head = this.head;
    const step = record.end - record.start;
    if (record.start === this.position && step < MAX_STEP) {
      head.copyWithin(START_DIGITS, END_DIGITS, END_DIGITS + OFFSET_DIGITS);
      addDecimal(head, END_DIGITS + OFFSET_DIGITS - 1, step);
    } else {
      writePositionDigits(head, START_DIGITS, record.start);
      writePositionDigits(head, END_DIGITS, record.end);
    }
    this.position = record.end;
    const next = record.seq === this.seq + 1 && record.ts === this.ts;
    if (!next || !incrementDecimal(head, HEAD.length, this.seqLength)) this.writeRest(record.seq, record.ts);
    this.seq = record.seq;
    target.set(this.view, at);
    return at + this.view.length;
  }

  /** The head after the offsets: `N,"ts":T,"value":`. */
  private writeRest(seq: number, ts: number): void {
    const head = this.head;
    const seqEnd = writeDecimal(head, HEAD.length, seq);
    this.seqLength = seqEnd - HEAD.length;
    head.set(TS_OPEN, seqEnd);
    const end = writeDecimal(head, seqEnd + TS_OPEN.length, ts);
    head.set(VALUE_OPEN, end);
    this.view = head.subarray(0, end + VALUE_OPEN.length);
    this.ts = ts;
  }
}

/**
 * Adds `step` (below MAX_STEP) to the zero-padded decimal number whose last digit is at `last`
 * in `digits`, which has digits enough for the sum.
 */
function addDecimal(digits: Uint8Array, last: number, step: number): void {
  let carry = step;
  for (let i = last; carry > 0; i--) {
    const sum = digits[i]! - ZERO + carry;
    carry = (sum / 10) | 0;
    digits[i] = ZERO + sum - carry * 10;
  }
}

/** Adds one to the decimal number in `length` bytes of `digits` from `from`; false when it needs another digit. */
function incrementDecimal(digits: Uint8Array, from: number, length: number): boolean {
  for (let i = from + length - 1; i >= from; i--) {
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
