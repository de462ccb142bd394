/**
 * Records of topics (docs/kafka-layer.md, "Records"): every message of a partition stream is
 * one JSON envelope,
 *
 *   {"key": <string or null>, "value": <any JSON>, "headers": {<name>: <string>}, "ts": <ms>}
 *
 * where `ts` is the producer's event time (the append time is the stream's own, in the records
 * view), a `null` value is a tombstone (compaction removes the key), and `key` picks the
 * partition. Pure: parsing what a producer sends, building envelopes, and reading an
 * envelope's key back for compaction.
 */
import { ProtocolError } from "./errors.js";
import { jsonMessageSpans } from "./json.js";
import { type MemberSpan, memberSpan, objectMembers } from "./json-members.js";

const PARSED: unique symbol = Symbol("parsed record");

/**
 * One record of a produce request, ready to be enveloped. Only parseProducedRecords makes one
 * (the constructor wants a token this module keeps), so its parts are known to be valid JSON and
 * frameEnvelopes can store them without parsing again.
 */
export class ProducedRecord {
  declare private readonly parsed: typeof PARSED;

  constructor(
    mint: typeof PARSED,
    readonly key: string | null,
    /**
     * The value is `source[valueStart, valueEnd)`: its JSON text exactly as sent, in the
     * request body (`null` when absent), never decoded or re-encoded on its way to the stream.
     */
    readonly source: Uint8Array,
    readonly valueStart: number,
    readonly valueEnd: number,
    /** The headers object as JSON text. */
    readonly headers: string,
    /** Event time the producer gave, ms since the epoch; undefined: the server's time. */
    readonly ts: number | undefined,
    /** The partition the producer chose; undefined: routed by key. */
    readonly partition: number | undefined,
  ) {
    if (mint !== PARSED) throw new TypeError("A ProducedRecord is made only by parseProducedRecords");
  }

  /** The value's JSON text exactly as sent: a 64-bit id keeps every digit. */
  get value(): string {
    return decoder.decode(this.source.subarray(this.valueStart, this.valueEnd));
  }
}

const FIELDS = /* @__PURE__ */ new Set(["key", "value", "headers", "ts", "partition"]);
const strictUtf8 = /* @__PURE__ */ new TextDecoder("utf-8", { fatal: true });
const decoder = /* @__PURE__ */ new TextDecoder();
const NULL_TEXT = /* @__PURE__ */ new TextEncoder().encode("null");

/**
 * The records of a produce body: a JSON array of record objects, or one record object. Every
 * field is optional; unknown fields are refused (a typo would otherwise lose data silently).
 */
export function parseProducedRecords(body: Uint8Array, maxRecords: number): ProducedRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(body));
  } catch (cause) {
    throw new ProtocolError("INVALID_JSON", `Body is not valid JSON: ${(cause as Error).message}`, {}, { cause });
  }
  const spans = jsonMessageSpans(body);
  const count = spans.length / 2;
  if (count === 0) throw new ProtocolError("EMPTY_JSON_ARRAY", "A produce request needs at least one record");
  if (count > maxRecords) {
    throw new ProtocolError("INVALID_RECORD", `A produce request holds at most ${maxRecords} records, not ${count}`);
  }
  // The parse checked the body and gives the small fields; the spans give each value's text.
  const objects = Array.isArray(parsed) ? parsed : [parsed];
  const records: ProducedRecord[] = [];
  for (let i = 0; i < spans.length; i += 2) {
    records.push(parseRecord(body, spans[i]!, spans[i + 1]!, i / 2, objects[i / 2]));
  }
  return records;
}

function parseRecord(body: Uint8Array, start: number, end: number, index: number, parsed: unknown): ProducedRecord {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalidRecord(index, "a record is a JSON object");
  const record = parsed as Record<string, unknown>;
  for (const name in record) {
    if (!FIELDS.has(name)) throw invalidRecord(index, `unknown field ${JSON.stringify(name)}`);
  }
  // A field sent as null is not absent: only a missing key, headers or ts takes its default.
  const { key = null, headers = {}, ts, partition } = record;
  if (key !== null && typeof key !== "string") throw invalidRecord(index, "key must be a string or null");
  if (!isHeaders(headers)) throw invalidRecord(index, "headers must be an object of strings");
  if (ts !== undefined && !isCount(ts))
    throw invalidRecord(index, "ts must be ms since the epoch, a non-negative integer");
  if (partition !== undefined && !isCount(partition))
    throw invalidRecord(index, "partition must be a non-negative integer");
  const value = memberSpan(body, start, end, "value");
  return new ProducedRecord(
    PARSED,
    key,
    value ? body : NULL_TEXT,
    value ? value[0] : 0,
    value ? value[1] : NULL_TEXT.length,
    // Absent headers (most records) need no stringify.
    record.headers === undefined ? "{}" : JSON.stringify(headers),
    ts as number | undefined,
    partition as number | undefined,
  );
}

function invalidRecord(index: number, why: string): ProtocolError {
  return new ProtocolError("INVALID_RECORD", `Record ${index}: ${why}`);
}

function isHeaders(value: unknown): value is Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => typeof v === "string");
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** What compaction needs of a stored message: its key, and whether it is a tombstone. */
export interface EnvelopeKey {
  readonly key: string;
  readonly tombstone: boolean;
}

/**
 * The key of the envelope stored in `bytes[start, end)` (one message's JSON text), or
 * undefined for a message without a string key (never compacted away). A missing or `null`
 * value is a tombstone. Also reads State Protocol change messages, whose `key` and `value`
 * mean the same (a delete's value is null).
 */
export function envelopeKey(bytes: Uint8Array, start: number, end: number): EnvelopeKey | undefined {
  try {
    return keyOf(bytes, start, end);
  } catch {
    return undefined; // not an envelope (stored messages are valid JSON, so this is defensive)
  }
}

function keyOf(bytes: Uint8Array, start: number, end: number): EnvelopeKey | undefined {
  const members = objectMembers(bytes, start, end);
  const key = members?.get("key");
  if (!members || !key || bytes[key[0]] !== 0x22) return undefined;
  const value = members.get("value");
  const tombstone = value === undefined || isNullText(bytes, value);
  return { key: JSON.parse(decoder.decode(bytes.subarray(key[0], key[1]))) as string, tombstone };
}

function isNullText(bytes: Uint8Array, [start, end]: MemberSpan): boolean {
  return end - start === 4 && bytes[start] === 0x6e && bytes[start + 1] === 0x75 && bytes[start + 2] === 0x6c;
}
