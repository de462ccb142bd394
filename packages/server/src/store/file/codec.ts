/**
 * Binary encoding of write-ahead-log records.
 *
 * Frame: u32 body length | u32 CRC-32 of the body | body. Body: u8 type | f64 stream id | fields.
 * Integers are stored as float64 (exact below 2^53). A record is accepted on replay only if
 * its whole frame is present and its checksum matches, so a torn or garbled tail is detected
 * at its first byte. The payload bytes are the stream's stored form: what a read returns.
 *
 * Format 3 adds each append's time and message count (types 5 and 6 replace 1 and 2), and
 * records for trims (7) and retention changes (8). Records of types 1 and 2, written by the
 * previous formats, are still read: they are `legacy`, with no time and no message count.
 *
 * Type 9 is an append that belongs to an atomic unit (a transaction): an append record plus
 * the unit's id, its index in the unit and the unit's size. Recovery needs none of it (a unit
 * is one batch, kept or cut whole); fsck does, to salvage a damaged batch's units whole or not
 * at all. A release that does not know type 9 reads it as damage, never as something else
 * (downgrading is not supported: docs/storage.md).
 */
import { crc32 } from "node:zlib";
import type { Retention } from "@rivulet/protocol";
import { NO_RETENTION } from "../shared-values.js";
import { streamMeta } from "../stream-meta.js";
import type { AppendRecord, StreamMeta } from "../types.js";

/** An append's place in its atomic unit: the unit's id (unique within a batch), its index, the unit's size. */
export interface UnitTag {
  readonly id: number;
  readonly index: number;
  readonly size: number;
}

export type WalRecord =
  | { type: "create"; id: number; meta: StreamMeta; first: AppendRecord | undefined; legacy?: boolean }
  | { type: "append"; id: number; record: AppendRecord; legacy?: boolean; unit?: UnitTag }
  | { type: "mark-deleted"; id: number }
  | { type: "remove"; id: number }
  | { type: "trim"; id: number; earliest: number }
  | { type: "configure"; id: number; retention: Retention };

const TYPE_CODE = {
  "mark-deleted": 3,
  remove: 4,
  create: 5,
  append: 6,
  trim: 7,
  configure: 8,
} as const;
const LEGACY_CREATE = 1;
const LEGACY_APPEND = 2;
const UNIT_APPEND = 9;
export const FRAME_HEADER = 8;
const MAX_BODY = 1 << 30;
const FLAG_CLOSE = 1;
const FLAG_PRODUCER = 2;
const FLAG_STREAM_SEQ = 4;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Encodes a record as frame parts (the payload is referenced, not copied). */
export function encodeRecord(record: WalRecord): Uint8Array[] {
  const head = new HeadWriter();
  const unit = record.type === "append" ? record.unit : undefined;
  head.u8(unit ? UNIT_APPEND : TYPE_CODE[record.type]);
  head.f64(record.id);
  if (unit) {
    head.f64(unit.id);
    head.f64(unit.index);
    head.f64(unit.size);
  }
  let payload: Uint8Array | undefined;
  if (record.type === "create") {
    head.bytes32(utf8.encode(JSON.stringify(metaToJson(record.meta))));
    head.u8(record.first ? 1 : 0);
    if (record.first) payload = writeAppendFields(head, record.first);
  } else if (record.type === "append") {
    payload = writeAppendFields(head, record.record);
  } else if (record.type === "trim") {
    head.f64(record.earliest);
  } else if (record.type === "configure") {
    head.bytes32(utf8.encode(JSON.stringify(record.retention)));
  }
  const body = head.finish();
  const bodyLength = body.length + (payload?.length ?? 0);
  let crc = crc32(body);
  if (payload) crc = crc32(payload, crc);
  const frame = new Uint8Array(FRAME_HEADER);
  const view = new DataView(frame.buffer);
  view.setUint32(0, bodyLength);
  view.setUint32(4, crc);
  return payload && payload.length > 0 ? [frame, body, payload] : [frame, body];
}

function writeAppendFields(head: HeadWriter, record: AppendRecord): Uint8Array {
  head.f64(record.position);
  let flags = record.close ? FLAG_CLOSE : 0;
  if (record.producer) flags |= FLAG_PRODUCER;
  if (record.streamSeq !== undefined) flags |= FLAG_STREAM_SEQ;
  head.u8(flags);
  if (record.producer) {
    head.bytes32(utf8.encode(record.producer.id));
    head.f64(record.producer.epoch);
    head.f64(record.producer.seq);
  }
  if (record.streamSeq !== undefined) head.bytes32(utf8.encode(record.streamSeq));
  head.f64(record.ts);
  head.f64(record.messages);
  // The payload comes last, after its length, so it can be written without a copy.
  head.u32(record.data.length);
  return record.data;
}

export interface Decoded {
  readonly record: WalRecord;
  /** Offset of the next frame. */
  readonly next: number;
}

/** Decodes the frame at `offset`; undefined when it is incomplete or its checksum fails. */
export function decodeRecord(buffer: Uint8Array, offset: number): Decoded | undefined {
  if (offset + FRAME_HEADER > buffer.length) return undefined;
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const length = view.getUint32(offset);
  const crc = view.getUint32(offset + 4);
  const start = offset + FRAME_HEADER;
  if (length === 0 || length > MAX_BODY || start + length > buffer.length) return undefined;
  const body = buffer.subarray(start, start + length);
  if (crc32(body) !== crc) return undefined;
  try {
    return { record: parseBody(body), next: start + length };
  } catch {
    return undefined;
  }
}

function parseBody(body: Uint8Array): WalRecord {
  const reader = new BodyReader(body);
  const type = reader.u8();
  const id = reader.f64();
  switch (type) {
    case TYPE_CODE.create:
    case LEGACY_CREATE: {
      const legacy = type === LEGACY_CREATE;
      const meta = metaFromJson(JSON.parse(fromUtf8.decode(reader.bytes32())));
      const first = reader.u8() === 1 ? readAppendFields(reader, legacy) : undefined;
      return legacy ? { type: "create", id, meta, first, legacy } : { type: "create", id, meta, first };
    }
    case TYPE_CODE.append:
      return { type: "append", id, record: readAppendFields(reader, false) };
    case UNIT_APPEND: {
      const unit = { id: reader.f64(), index: reader.f64(), size: reader.f64() };
      return { type: "append", id, record: readAppendFields(reader, false), unit };
    }
    case LEGACY_APPEND:
      return { type: "append", id, record: readAppendFields(reader, true), legacy: true };
    case TYPE_CODE["mark-deleted"]:
      return { type: "mark-deleted", id };
    case TYPE_CODE.remove:
      return { type: "remove", id };
    case TYPE_CODE.trim:
      return { type: "trim", id, earliest: reader.f64() };
    case TYPE_CODE.configure:
      return { type: "configure", id, retention: retentionFromJson(JSON.parse(fromUtf8.decode(reader.bytes32()))) };
    default:
      throw new Error(`Unknown record type ${type}`);
  }
}

/** A legacy append has no time or message count: both read as 0 (recovery builds its index from its data). */
function readAppendFields(reader: BodyReader, legacy: boolean): AppendRecord {
  const position = reader.f64();
  const flags = reader.u8();
  const producer =
    flags & FLAG_PRODUCER
      ? { id: fromUtf8.decode(reader.bytes32()), epoch: reader.f64(), seq: reader.f64() }
      : undefined;
  const streamSeq = flags & FLAG_STREAM_SEQ ? fromUtf8.decode(reader.bytes32()) : undefined;
  const ts = legacy ? 0 : reader.f64();
  const messages = legacy ? 0 : reader.f64();
  const data = reader.bytes32();
  return { position, data, producer, streamSeq, close: (flags & FLAG_CLOSE) !== 0, ts, messages };
}

/** StreamMeta as JSON (used by WAL create records and checkpoints). */
export function metaToJson(meta: StreamMeta): Record<string, unknown> {
  const { ms, bytes } = meta.retention;
  return {
    path: meta.path,
    contentType: meta.contentType,
    ttlSeconds: meta.lifetime.ttlSeconds,
    expiresAt: meta.lifetime.expiresAt,
    createdAt: meta.createdAt,
    fork: meta.fork,
    retention: ms === undefined && bytes === undefined ? undefined : meta.retention,
    inherited: meta.inherited,
  };
}

export function metaFromJson(json: Record<string, unknown>): StreamMeta {
  const lifetime: { ttlSeconds?: number; expiresAt?: number } = {};
  if (typeof json.ttlSeconds === "number") lifetime.ttlSeconds = json.ttlSeconds;
  if (typeof json.expiresAt === "number") lifetime.expiresAt = json.expiresAt;
  const fork = json.fork as { source: string; position: number } | undefined;
  const inherited = json.inherited as { earliest: number; seq: number; ts: number } | undefined;
  return streamMeta(
    {
      path: String(json.path),
      // A million streams read back at open share their content type and settings (streamMeta).
      contentType: String(json.contentType),
      lifetime,
      createdAt: Number(json.createdAt),
      retention: json.retention === undefined ? NO_RETENTION : retentionFromJson(json.retention),
    },
    fork ? { source: fork.source, position: fork.position } : undefined,
    inherited ? { earliest: inherited.earliest, seq: inherited.seq, ts: inherited.ts } : undefined,
  );
}

function retentionFromJson(json: unknown): Retention {
  const { ms, bytes } = (json ?? {}) as { ms?: unknown; bytes?: unknown };
  return { ...(typeof ms === "number" ? { ms } : {}), ...(typeof bytes === "number" ? { bytes } : {}) };
}

class HeadWriter {
  private buffer = new Uint8Array(64);
  private view = new DataView(this.buffer.buffer);
  private at = 0;

  u8(value: number): void {
    this.reserve(1);
    this.view.setUint8(this.at, value);
    this.at += 1;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.at, value);
    this.at += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.at, value);
    this.at += 8;
  }

  bytes32(bytes: Uint8Array): void {
    this.u32(bytes.length);
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.at);
    this.at += bytes.length;
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.at + n));
    grown.set(this.buffer.subarray(0, this.at));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}

class BodyReader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly body: Uint8Array) {
    this.view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }

  u32(): number {
    return this.view.getUint32(this.take(4));
  }

  f64(): number {
    return this.view.getFloat64(this.take(8));
  }

  bytes32(): Uint8Array {
    const length = this.u32();
    const start = this.take(length);
    return this.body.subarray(start, start + length);
  }

  private take(n: number): number {
    const start = this.at;
    if (start + n > this.body.length) throw new RangeError("Record body is truncated");
    this.at += n;
    return start;
  }
}
