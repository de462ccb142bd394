/**
 * A batch: what one response (or SSE data+control pair) delivered, with its position. JSON
 * streams decode eagerly into `items` so a bad payload or a validator rejection surfaces in
 * order; bytes and text are produced only when read.
 */
import { isJsonContentType } from "@rivulet/protocol";
import { parseError, usageError } from "../errors.js";
import { chunkBytes, type RawChunk } from "./chunk.js";
import { decodeRecords, type StreamRecord } from "./records.js";

export interface Batch<T = unknown> {
  /**
   * The messages of a JSON stream (PROTOCOL §9.1); in records mode the records' values, on any
   * stream. Reading it on another stream in the plain view throws USAGE.
   */
  readonly items: T[];
  /** The raw bytes delivered (for JSON streams, the JSON array text; in records mode, the records' JSON). */
  readonly data: Uint8Array;
  /** `data` as UTF-8 text. */
  readonly text: string;
  /** The offset after this batch: resume here. */
  readonly offset: string;
  readonly cursor: string | undefined;
  /** Everything the stream held when this was sent has now been delivered. */
  readonly upToDate: boolean;
  /** The stream is closed and this is its end (EOF). */
  readonly closed: boolean;
  /**
   * Records mode (`records: true`): each message with its offsets, seq and append time, and
   * `items` are their values. Undefined in the plain view (and on re-batched consumer batches).
   */
  readonly records: StreamRecord<T>[] | undefined;
}

const decoder = new TextDecoder();

export class ReadBatch<T> implements Batch<T> {
  readonly offset: string;
  readonly cursor: string | undefined;
  readonly upToDate: boolean;
  readonly closed: boolean;
  readonly records: StreamRecord<T>[] | undefined;
  #decoded: T[] | undefined;
  #bytes: Uint8Array | undefined;

  readonly #chunk: RawChunk;
  readonly #url: string;
  constructor(
    chunk: RawChunk,
    url: string,
    contentType: string | undefined,
    validate: ((item: unknown) => T) | undefined,
    records = false,
  ) {
    this.#chunk = chunk;
    this.#url = url;
    this.offset = chunk.offset;
    this.cursor = chunk.cursor;
    this.upToDate = chunk.upToDate;
    this.closed = chunk.closed;
    if (records) {
      // The values are gathered into `items` only when asked for: a records reader rarely does.
      this.records = decodeRecords(chunk, decodeJsonItems(chunk, url), url, contentType, validate);
    } else if (contentType !== undefined && isJsonContentType(contentType)) {
      this.#decoded = decodeJsonItems(chunk, url, validate);
    }
  }

  get items(): T[] {
    if (this.#decoded === undefined && this.records !== undefined) this.#decoded = this.records.map((r) => r.value);
    if (this.#decoded === undefined) {
      throw usageError(this.#url, "items are only available on application/json streams; read data or text instead");
    }
    return this.#decoded;
  }

  /** Messages decoded from a JSON stream; undefined on other streams. */
  get itemCount(): number | undefined {
    return this.records?.length ?? this.#decoded?.length;
  }

  get data(): Uint8Array {
    this.#bytes ??= chunkBytes(this.#chunk);
    return this.#bytes;
  }

  get text(): string {
    const { pieces } = this.#chunk;
    if (pieces.length === 1 && typeof pieces[0] === "string") return pieces[0];
    return decoder.decode(this.data);
  }
}

/** Each piece of a JSON chunk is one JSON array (§9.1.5); the items are their concatenation. */
export function decodeJsonItems<T>(chunk: RawChunk, url: string, validate?: (item: unknown) => T): T[] {
  const items: unknown[] = [];
  for (const piece of chunk.pieces) {
    const text = typeof piece === "string" ? piece : decoder.decode(piece);
    if (text.trim().length === 0) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw parseError(url, "Response is not valid JSON", cause);
    }
    if (!Array.isArray(parsed)) throw parseError(url, "A JSON stream response must be a JSON array");
    for (const item of parsed) items.push(item);
  }
  if (!validate) return items as T[];
  return items.map((item, index) => {
    try {
      return validate(item);
    } catch (cause) {
      throw parseError(url, `Item ${index} at offset before ${chunk.offset} failed validation`, cause);
    }
  });
}
