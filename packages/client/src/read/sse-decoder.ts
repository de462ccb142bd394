/**
 * Decoding a Durable Streams SSE body (PROTOCOL §5.8) into chunks. Pure: text in, chunks
 * out, no I/O, so it can be tested on any split of any input. Event framing is done by
 * eventsource-parser; this file adds the protocol: `data` events carry payload (base64 for
 * binary streams), and each `control` event closes a chunk with its offset and flags.
 */
import { createParser, type EventSourceMessage, type EventSourceParser } from "eventsource-parser";
import { parseError, type StreamError } from "../errors.js";
import type { RawChunk } from "./chunk.js";

export interface SseControl {
  streamNextOffset: string;
  streamCursor?: string;
  upToDate?: boolean;
  streamClosed?: boolean;
}

export class SseChunkDecoder {
  readonly #parser: EventSourceParser;
  #pending: (Uint8Array | string)[] = [];
  #ready: RawChunk[] = [];
  #failure: StreamError | undefined;
  #eventCount = 0;
  #endsWithCr = false;

  readonly #options: { base64: boolean; url: string };
  readonly #contentType: string | undefined;

  constructor(options: { base64: boolean; url: string }, contentType?: string) {
    this.#options = options;
    this.#contentType = contentType;
    this.#parser = createParser({ onEvent: (event) => this.#onEvent(event) });
  }

  /** Number of complete SSE events seen so far (of any type). */
  get events(): number {
    return this.#eventCount;
  }

  /** Feeds decoded text; returns the chunks completed by it. Throws PARSE_ERROR on bad input. */
  push(text: string): RawChunk[] {
    if (text.length > 0) this.#endsWithCr = text.endsWith("\r");
    this.#parser.feed(text);
    return this.#take();
  }

  /**
   * The connection ended: returns what its last bytes completed. A lone CR is a whole line
   * ending, but a parser holds it back until the next character shows it is not the first
   * half of a CRLF; at the end of the body nothing follows, so the LF that would settle it is
   * supplied. An event without its blank line stays incomplete and is dropped (as SSE says).
   */
  end(): RawChunk[] {
    if (this.#endsWithCr) this.#parser.feed("\n");
    this.#endsWithCr = false;
    return this.#take();
  }

  #take(): RawChunk[] {
    if (this.#failure) throw this.#failure;
    const out = this.#ready;
    this.#ready = [];
    return out;
  }

  #onEvent(event: EventSourceMessage): void {
    if (this.#failure) return;
    this.#eventCount++;
    try {
      if (event.event === "data") this.#pending.push(this.#options.base64 ? decodeBase64(event.data) : event.data);
      else if (event.event === "control") this.#ready.push(this.#toChunk(parseControl(event.data)));
      // Other event types are extensions (§11): ignored.
    } catch (cause) {
      this.#failure = parseError(this.#options.url, `Malformed SSE ${event.event ?? "message"} event`, cause);
    }
  }

  #toChunk(control: SseControl): RawChunk {
    const pieces = this.#pending;
    this.#pending = [];
    const closed = control.streamClosed === true;
    return {
      pieces,
      offset: control.streamNextOffset,
      cursor: control.streamCursor,
      // §5.8: streamClosed implies upToDate.
      upToDate: control.upToDate === true || closed,
      closed,
      contentType: this.#contentType,
    };
  }
}

export function parseControl(data: string): SseControl {
  const value: unknown = JSON.parse(data);
  if (typeof value !== "object" || value === null) throw new TypeError("control event is not a JSON object");
  const control = value as Record<string, unknown>;
  if (typeof control.streamNextOffset !== "string" || control.streamNextOffset.length === 0) {
    throw new TypeError("control event has no streamNextOffset");
  }
  const out: SseControl = { streamNextOffset: control.streamNextOffset };
  if (typeof control.streamCursor === "string") out.streamCursor = control.streamCursor;
  if (control.upToDate === true) out.upToDate = true;
  if (control.streamClosed === true) out.streamClosed = true;
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * §5.8: the data lines of a base64 event are joined, every CR and LF removed, and the rest
 * must be standard base64 with a length that is a multiple of 4.
 */
export function decodeBase64(text: string): Uint8Array {
  const compact = text.replace(/[\r\n]/g, "");
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw new TypeError("invalid base64 payload");
  const binary = atob(compact);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
