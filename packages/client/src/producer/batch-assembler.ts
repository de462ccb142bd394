/**
 * Items in, batch bodies out. Items are encoded when appended (later mutation cannot change
 * what is sent, and the size is known at once). JSON items become one JSON array per batch
 * (PROTOCOL §9.1.2 flattens it back into messages); other items are concatenated bytes.
 */
import { StreamError, usageError } from "../errors.js";
import { encodeJson } from "../handle/body.js";
import { concatBytes } from "../read/chunk.js";
import { JsonText } from "./json-text.js";

const encoder = new TextEncoder();
const OPEN = encoder.encode("[");
const COMMA = encoder.encode(",");
const CLOSE = encoder.encode("]");

export interface AssembledBatch {
  body: Uint8Array;
  items: number;
  /** Encoded bytes of each item, in order. */
  itemBytes: number[];
}

export class BatchAssembler {
  #parts: Uint8Array[] = [];
  #bytes = 0;

  readonly #url: string;
  readonly #json: boolean;
  readonly #maxBytes: number;
  readonly #maxItems: number;
  constructor(url: string, json: boolean, maxBytes: number, maxItems: number) {
    this.#url = url;
    this.#json = json;
    this.#maxBytes = maxBytes;
    this.#maxItems = maxItems;
  }

  get itemCount(): number {
    return this.#parts.length;
  }

  /** Encodes an item; throws USAGE for an unencodable item and PAYLOAD_TOO_LARGE for an oversize one. */
  encode(item: unknown): Uint8Array {
    let encoded: Uint8Array;
    if (this.#json) encoded = encoder.encode(item instanceof JsonText ? item.text : encodeJson(this.#url, item));
    else if (typeof item === "string") encoded = encoder.encode(item);
    else if (item instanceof Uint8Array) encoded = item.slice();
    else if (item instanceof ArrayBuffer) encoded = new Uint8Array(item.slice(0));
    else throw usageError(this.#url, "Items of a non-JSON stream must be strings or bytes");
    const alone = this.#sizeWith(encoded.length, 0, 0);
    if (alone > this.#maxBytes) {
      throw new StreamError(
        "PAYLOAD_TOO_LARGE",
        `An item of ${alone} bytes (as sent) exceeds maxBatchBytes (${this.#maxBytes}); it was not queued`,
        { url: this.#url },
      );
    }
    return encoded;
  }

  /** Whether `encoded` still fits in the open batch. */
  fits(encoded: Uint8Array): boolean {
    if (this.#parts.length === 0) return true;
    return this.#sizeWith(encoded.length, this.#bytes, this.#parts.length) <= this.#maxBytes;
  }

  /** Adds an encoded item; true when the batch is now full by item count. */
  add(encoded: Uint8Array): boolean {
    this.#parts.push(encoded);
    this.#bytes += encoded.length;
    return this.#parts.length >= this.#maxItems;
  }

  /** Seals the open batch; undefined when it is empty. */
  take(): AssembledBatch | undefined {
    if (this.#parts.length === 0) return undefined;
    const parts = this.#parts;
    this.#parts = [];
    this.#bytes = 0;
    const itemBytes = parts.map((part) => part.length);
    if (!this.#json) return { body: concatBytes(parts), items: parts.length, itemBytes };
    const framed: Uint8Array[] = [OPEN];
    parts.forEach((part, index) => {
      if (index > 0) framed.push(COMMA);
      framed.push(part);
    });
    framed.push(CLOSE);
    return { body: concatBytes(framed), items: parts.length, itemBytes };
  }

  /** Body size with one more item of `itemBytes` added to `count` items totalling `bytes`. */
  #sizeWith(itemBytes: number, bytes: number, count: number): number {
    const payload = bytes + itemBytes;
    // JSON framing: brackets plus a comma between items.
    return this.#json ? payload + 2 + count : payload;
  }
}
