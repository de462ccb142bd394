/**
 * Writes a records-view response body (the array of @rivulet/protocol's records.ts) straight
 * into one buffer: each record's head as ASCII, its value copied from the stored bytes, so a
 * JSON message is never decoded or re-encoded on its way out. One growing buffer per response
 * instead of a string per record: the records view costs little more than a plain read.
 */
import {
  NO_RECORDS,
  RECORD_END,
  RECORDS_CLOSE,
  RECORDS_FIRST,
  RECORDS_NEXT,
  RECORDS_OPEN,
  type RecordPosition,
  recordHead,
} from "@rivulet/protocol";

/** Room for a record's head and separators (offsets are 40-odd characters each). */
const HEAD_ROOM = 160;

export class RecordsWriter {
  private buffer: Buffer;
  private length: number;
  count = 0;

  /** `expectedBytes`: about how many value bytes will be written. */
  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(256, Math.ceil(expectedBytes * 1.25) + HEAD_ROOM));
    this.length = this.buffer.write(RECORDS_OPEN, 0, "latin1");
  }

  /** A record whose value is `source[from, to)`: JSON text as stored. */
  addBytes(record: RecordPosition, source: Uint8Array, from: number, to: number, offset?: string, next?: string): void {
    this.head(record, offset, next, to - from);
    this.buffer.set(source.subarray(from, to), this.length);
    this.length += to - from;
    this.length += this.buffer.write(RECORD_END, this.length, "latin1");
  }

  /** A record whose value is JSON text in a string (a JSON string of text, or quoted base64). */
  addText(record: RecordPosition, value: string): void {
    const bytes = Buffer.byteLength(value);
    this.head(record, undefined, undefined, bytes);
    this.length += this.buffer.write(value, this.length, "utf8");
    this.length += this.buffer.write(RECORD_END, this.length, "latin1");
  }

  /** The body: the array, closed. */
  finish(): Buffer {
    if (this.count === 0) return Buffer.from(NO_RECORDS, "latin1");
    this.reserve(RECORDS_CLOSE.length);
    this.length += this.buffer.write(RECORDS_CLOSE, this.length, "latin1");
    return this.buffer.subarray(0, this.length);
  }

  private head(record: RecordPosition, offset: string | undefined, next: string | undefined, valueBytes: number): void {
    const head = (this.count === 0 ? RECORDS_FIRST : RECORDS_NEXT) + recordHead(record, offset, next);
    // Heads are ASCII: one byte per character.
    this.reserve(head.length + valueBytes + RECORD_END.length + RECORDS_CLOSE.length);
    this.length += this.buffer.write(head, this.length, "latin1");
    this.count++;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
