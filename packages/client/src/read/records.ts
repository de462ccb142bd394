/**
 * Records mode (docs/extensions.md, "Records view"): reads ask for `view=records` and the
 * server answers each message as `{"offset","next_offset","seq","ts","value"}`. Here those
 * become `StreamRecord`s whose value is what the stream holds: the message of a JSON stream,
 * the text of a `text/*` append, the bytes of any other append (sent as base64).
 */
import { Header, isJsonContentType, mediaType } from "@rivulet/protocol";
import { parseError, type StreamError, unsupported } from "../errors.js";
import type { RawChunk } from "./chunk.js";
import { decodeBase64 } from "./sse-decoder.js";

export interface StreamRecord<T = unknown> {
  /** Where the message starts: reading from here delivers it first. */
  readonly offset: string;
  /** Where the message ends: reading from here delivers the messages after it. */
  readonly nextOffset: string;
  /** The message's 0-based ordinal in the stream (an append's, on non-JSON streams). */
  readonly seq: number;
  /** When the server appended it, ms since the epoch. */
  readonly timestamp: number;
  /** The message (JSON streams), text (`text/*` streams) or bytes (others). */
  readonly value: T;
}

/** `records: true`, or with a cap on the records per response. */
export type RecordsOption = boolean | { limit?: number };

/** The query parameters of a records read; none for a plain one. */
export function recordsQuery(records: RecordsOption | undefined): Record<string, string> {
  if (!records) return {};
  const limit = records === true ? undefined : records.limit;
  return limit === undefined ? { view: "records" } : { view: "records", limit: String(limit) };
}

/**
 * A server without the extension ignores `view` and sends the plain view, which must not be
 * taken for records: the answer has to say it applied the view.
 */
export function viewRefused(url: string, headers: Headers): StreamError | undefined {
  if (headers.get(Header.view) !== "records") return unsupported(url, "records", "the records view (records: true)");
  return undefined;
}

interface WireRecord {
  offset: string;
  next_offset: string;
  seq: number;
  ts: number;
  value: unknown;
}

/** The records of a chunk, each piece one JSON array of wire records, values as the stream's content type says. */
export function decodeRecords<T>(
  chunk: RawChunk,
  wires: readonly unknown[],
  url: string,
  contentType: string | undefined,
  validate: ((item: unknown) => T) | undefined,
): StreamRecord<T>[] {
  const decodeValue = valueDecoder(contentType);
  return wires.map((wire, index) => {
    if (!isWireRecord(wire)) throw parseError(url, `Record ${index} before ${chunk.offset} is not a record`);
    let value = decodeValue(wire.value, url) as T;
    if (validate) {
      try {
        value = validate(value);
      } catch (cause) {
        throw parseError(url, `Record at ${wire.offset} failed validation`, cause);
      }
    }
    return { offset: wire.offset, nextOffset: wire.next_offset, seq: wire.seq, timestamp: wire.ts, value };
  });
}

function valueDecoder(contentType: string | undefined): (value: unknown, url: string) => unknown {
  if (contentType === undefined || isJsonContentType(contentType)) return (value) => value;
  const text = mediaType(contentType).startsWith("text/");
  return (value, url) => {
    if (typeof value !== "string") throw parseError(url, "A record of a non-JSON stream must hold a string");
    if (text) return value;
    try {
      return decodeBase64(value);
    } catch (cause) {
      throw parseError(url, "A record's value is not base64", cause);
    }
  };
}

function isWireRecord(value: unknown): value is WireRecord {
  const record = value as Partial<WireRecord> | null;
  return (
    typeof record === "object" &&
    record !== null &&
    typeof record.offset === "string" &&
    typeof record.next_offset === "string" &&
    typeof record.seq === "number" &&
    typeof record.ts === "number" &&
    "value" in record
  );
}
