/**
 * Items in, batch bodies out. Items are encoded when appended (later mutation cannot change
 * what is sent, and the size is known at once) but kept as text where they are text: a batch
 * is joined and UTF-8 encoded in one pass when it is sealed, not item by item. JSON items
 * become one JSON array per batch (PROTOCOL §9.1.2 flattens it back into messages); other
 * items are concatenated bytes.
 */
import { StreamError, usageError } from "../errors.js";
import { encodeJson } from "../handle/body.js";
import { JsonText } from "./json-text.js";
import { hasLoneSurrogate, utf8Length } from "./utf8-length.js";

const encoder = new TextEncoder();

/** An item as the batch holds it: its text, or a private copy of its bytes. */
export type EncodedItem = string | Uint8Array;

export interface AssembledBatch {
  /**
   * Text when every item is text: fetch encodes it while sending, so the batch is neither
   * encoded nor copied in script (a byte body is copied by fetch before it is sent).
   */
  body: string | Uint8Array;
  /** The body's size in bytes as sent (before any compression). */
  bodyBytes: number;
  items: number;
  /** The items' encoded bytes, framing aside. */
  payloadBytes: number;
}

export class BatchAssembler {
  #parts: EncodedItem[] = [];
  #bytes = 0;
  /** Whether every part is text (the batch is then one join and one encode). */
  #allText = true;

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

  /** Encoded bytes of the items in the open batch, framing aside. */
  get payloadBytes(): number {
    return this.#bytes;
  }

  /** Encodes an item; throws USAGE for an unencodable item. */
  encode(item: unknown): EncodedItem {
    if (this.#json) return item instanceof JsonText ? item.text : encodeJson(this.#url, item);
    if (typeof item === "string") return hasLoneSurrogate(item) ? encoder.encode(item) : item;
    if (item instanceof Uint8Array) return item.slice();
    if (item instanceof ArrayBuffer) return new Uint8Array(item.slice(0));
    throw usageError(this.#url, "Items of a non-JSON stream must be strings or bytes");
  }

  /** An encoded item's size in bytes; throws PAYLOAD_TOO_LARGE for one that can never fit a batch. */
  sizeOf(encoded: EncodedItem): number {
    const bytes = typeof encoded === "string" ? utf8Length(encoded) : encoded.length;
    const alone = this.#sizeWith(bytes, 0, 0);
    if (alone > this.#maxBytes) {
      throw new StreamError(
        "PAYLOAD_TOO_LARGE",
        `An item of ${alone} bytes (as sent) exceeds maxBatchBytes (${this.#maxBytes}); it was not queued`,
        { url: this.#url },
      );
    }
    return bytes;
  }

  /** Whether an item of `bytes` still fits in the open batch. */
  fits(bytes: number): boolean {
    if (this.#parts.length === 0) return true;
    return this.#sizeWith(bytes, this.#bytes, this.#parts.length) <= this.#maxBytes;
  }

  /** Adds an encoded item of `bytes`; true when the batch is now full by item count. */
  add(encoded: EncodedItem, bytes: number): boolean {
    this.#parts.push(encoded);
    this.#bytes += bytes;
    if (typeof encoded !== "string") this.#allText = false;
    return this.#parts.length >= this.#maxItems;
  }

  /** Seals the open batch; undefined when it is empty. */
  take(): AssembledBatch | undefined {
    if (this.#parts.length === 0) return undefined;
    const parts = this.#parts;
    const payloadBytes = this.#bytes;
    const allText = this.#allText;
    this.#parts = [];
    this.#bytes = 0;
    this.#allText = true;
    const items = parts.length;
    // JSON items are always text; a JSON batch is `[a,b,…]`.
    if (this.#json) {
      const bodyBytes = this.#sizeWith(0, payloadBytes, items - 1);
      return { body: `[${parts.join(",")}]`, bodyBytes, items, payloadBytes };
    }
    const body = allText ? parts.join("") : concatEncoded(parts, payloadBytes);
    return { body, bodyBytes: payloadBytes, items, payloadBytes };
  }

  /** Body size with one more item of `itemBytes` added to `count` items totalling `bytes`. */
  #sizeWith(itemBytes: number, bytes: number, count: number): number {
    const payload = bytes + itemBytes;
    // JSON framing: brackets plus a comma between items.
    return this.#json ? payload + 2 + count : payload;
  }
}

/** Text and bytes items into one buffer of their known total size. */
function concatEncoded(parts: readonly EncodedItem[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    if (typeof part === "string") at += encoder.encodeInto(part, out.subarray(at)).written;
    else {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}
