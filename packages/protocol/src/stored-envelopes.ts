/**
 * A partition's share of a produce request as its stream stores it (PROTOCOL §9.1: each
 * message's JSON text and ",\n"), written as bytes for an append that need not parse it again.
 * Every part of an envelope is valid JSON by construction: the value is a member of a body that
 * parsed, copied from it byte for byte (never decoded and encoded again), the key and headers
 * are JSON.stringify's, ts a safe integer. Pure.
 */
import { type FramedJson, mintFramedJson } from "./framed-json.js";
import { ProducedRecord } from "./topic-records.js";

const NEWLINE = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
/**
 * An envelope's bytes besides its key, value and headers text: `{"key":`, `,"value":`,
 * `,"headers":`, `,"ts":`, `}`, ",\n", the key's quotes and up to 16 digits of ts.
 */
const ENVELOPE_BYTES = 54;

const encoder = /* @__PURE__ */ new TextEncoder();

/** The envelopes of `records[indices]`, in that order; a record without a `ts` gets `now`. */
export function frameEnvelopes(
  records: readonly ProducedRecord[],
  indices: readonly number[],
  now: number,
): FramedJson {
  let size = 0;
  for (const i of indices) {
    const record = records[i]!;
    // The type says so; this says so to a caller that cast its way past it.
    if (!(record instanceof ProducedRecord)) throw new TypeError("frameEnvelopes takes parsed records only");
    size += record.valueEnd - record.valueStart + record.headers.length + (record.key?.length ?? 0) + ENVELOPE_BYTES;
  }
  const out = new StoredWriter(size);
  for (const i of indices) {
    const record = records[i]!;
    out.text(`{"key":${JSON.stringify(record.key)},"value":`);
    out.json(record.source, record.valueStart, record.valueEnd);
    out.text(`,"headers":${record.headers},"ts":${record.ts ?? now}},\n`);
  }
  return mintFramedJson(out.written(), indices.length);
}

/** Bytes written one after another into a buffer sized for ASCII text, grown when it is not. */
class StoredWriter {
  private bytes: Uint8Array;
  private at = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }

  /** A string as UTF-8: ASCII (envelope syntax, most keys and numbers) copied char by char. */
  text(text: string): void {
    const n = text.length;
    if (this.at + n <= this.bytes.length) {
      const { bytes, at } = this;
      let i = 0;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at + i++] = c;
      }
      if (i === n) {
        this.at += n;
        return;
      }
    }
    const encoded = encoder.encode(text);
    this.reserve(encoded.length);
    this.bytes.set(encoded, this.at);
    this.at += encoded.length;
  }

  /**
   * JSON text copied from `source`: a raw CR or LF in it is insignificant whitespace (JSON
   * escapes them inside strings), stored as a space so "\n" marks only message boundaries.
   */
  json(source: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    const bytes = this.bytes;
    let at = this.at;
    for (let i = start; i < end; i++) {
      const c = source[i]!;
      bytes[at++] = c === NEWLINE || c === CR ? SPACE : c;
    }
    this.at = at;
  }

  written(): Uint8Array {
    return this.at === this.bytes.length ? this.bytes : this.bytes.subarray(0, this.at);
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + bytes));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
  }
}
