/**
 * Writes a records-view response body (the array of @rivulet/protocol's records.ts) straight
 * into one buffer: each record's head written as ASCII in place, its value copied from the
 * stored bytes, so a JSON message is never decoded or re-encoded on its way out and no string
 * is made per message. The records view then costs little more than a plain read. The buffer
 * comes from body-buffers.ts and goes back there once the response has been written.
 */
import {
  NO_RECORDS,
  RECORD_END,
  RECORD_HEAD_BYTES,
  RECORDS_CLOSE,
  RECORDS_FIRST,
  RECORDS_NEXT,
  RECORDS_OPEN,
  RecordHeadWriter,
  type RecordPosition,
} from "@rivulet/protocol";
import { bodyBuffers } from "./body-buffers.js";

const FIRST = Buffer.from(RECORDS_OPEN + RECORDS_FIRST, "latin1");
const NEXT = Buffer.from(RECORDS_NEXT, "latin1");
// The separator's two bytes, stored one by one: a copy() call per record costs more than they do.
const NEXT_FIRST = NEXT[0]!;
const NEXT_SECOND = NEXT[1]!;
const END = RECORD_END.charCodeAt(0);
const CLOSE = Buffer.from(RECORDS_CLOSE, "latin1");
/** Room a record needs besides its value: separator, head, end, and the array's close. */
const RECORD_ROOM = NEXT.length + RECORD_HEAD_BYTES + 1 + CLOSE.length;

export class RecordsWriter {
  private buffer: Buffer;
  private length = 0;
  private released = false;
  /** Where staged() put its copy of the stored bytes; -1: none. */
  private stagedAt = -1;
  private readonly heads = new RecordHeadWriter();
  count = 0;

  /** `expectedBytes`: about how many bytes the body will take. */
  constructor(expectedBytes: number) {
    this.buffer = bodyBuffers.take(Math.max(256, Math.ceil(expectedBytes)));
  }

  /** A record whose value is `source[from, to)`: JSON text as stored. */
  addBytes(record: RecordPosition, source: Buffer, from: number, to: number): void {
    this.reserve(RECORD_ROOM + to - from);
    this.head(record);
    this.length += source.copy(this.buffer, this.length, from, to);
    this.buffer[this.length++] = END;
  }

  /**
   * A writer for the records of `stored`, which holds up to `messages` messages: a copy of it
   * lies at the end of the buffer, past room for that many records, for addStaged to take values
   * from. Copying each value within one buffer (copyWithin) allocates nothing, where copy() from
   * another buffer makes a view per call; per message, that was a third of a records read's own
   * CPU time. The records written never reach a value not yet taken: each takes at most
   * RECORD_ROOM bytes more than its value, and that much room per message lies before the copy.
   */
  static staged(stored: Uint8Array, messages: number): RecordsWriter {
    const writer = new RecordsWriter(messages * RECORD_ROOM + stored.length);
    writer.stagedAt = writer.buffer.length - stored.length;
    writer.buffer.set(stored, writer.stagedAt);
    return writer;
  }

  /** A record whose value is bytes [from, to) of the staged copy: JSON text as stored. */
  addStaged(record: RecordPosition, from: number, to: number): void {
    this.head(record);
    this.buffer.copyWithin(this.length, this.stagedAt + from, this.stagedAt + to);
    this.length += to - from;
    this.buffer[this.length++] = END;
  }

  /** A record whose value is JSON text in a string (a JSON string of text, or quoted base64). */
  addText(record: RecordPosition, value: string): void {
    this.reserve(RECORD_ROOM + Buffer.byteLength(value));
    this.head(record);
    this.length += this.buffer.write(value, this.length, "utf8");
    this.buffer[this.length++] = END;
  }

  /** The body: the array, closed. */
  finish(): Buffer {
    if (this.count === 0) return Buffer.from(NO_RECORDS, "latin1");
    this.length += CLOSE.copy(this.buffer, this.length);
    return this.buffer.subarray(0, this.length);
  }

  /** Once nothing reads the body from finish() any more: its buffer may serve another. */
  release(): void {
    if (this.released) return;
    this.released = true;
    bodyBuffers.give(this.buffer);
  }

  /** Separator and head; the caller made room for them. */
  private head(record: RecordPosition): void {
    if (this.count === 0) {
      this.length += FIRST.copy(this.buffer, this.length);
    } else {
      this.buffer[this.length++] = NEXT_FIRST;
      this.buffer[this.length++] = NEXT_SECOND;
    }
    this.length = this.heads.write(this.buffer, this.length, record);
    this.count++;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    // Growing keeps only what was written: values still staged would be lost.
    if (this.stagedAt >= 0) throw new Error("A staged records body cannot grow");
    const grown = bodyBuffers.take(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    bodyBuffers.give(this.buffer);
    this.buffer = grown;
  }
}
