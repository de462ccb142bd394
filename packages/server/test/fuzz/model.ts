/**
 * The fuzz suite's model: what each stream must hold, built only from what the server
 * acknowledged. An append counts when it got a 2xx (for an idempotent producer, a 200: a 204
 * is a duplicate); everything else, including cut-short and dropped requests, must leave the
 * stream as it was. Streams created with a lifetime may expire, so they may also be missing.
 */
import { isDeepStrictEqual } from "node:util";

export interface StreamModel {
  readonly json: boolean;
  /** JSON streams: the messages. */
  messages: unknown[];
  /** Other streams: the bytes. */
  bytes: Buffer;
  /** The server acknowledged closing it. */
  closed: boolean;
  /** Created with a TTL or expiry time (or forked from such a stream): it may vanish. */
  readonly volatile: boolean;
  /** Idempotent producers' last acknowledged epoch and seq, by id. */
  readonly producers: Map<string, { epoch: number; seq: number }>;
}

export class Model {
  readonly streams = new Map<string, StreamModel>();

  create(path: string, json: boolean, body: Buffer, volatile: boolean, closed: boolean): StreamModel {
    const stream: StreamModel = {
      json,
      messages: [],
      bytes: Buffer.alloc(0),
      closed,
      volatile,
      producers: new Map(),
    };
    if (body.length > 0) appendTo(stream, body);
    this.streams.set(path, stream);
    return stream;
  }

  /** A stream the model expected to exist was not found: fine only when it could have expired. */
  missing(path: string): string | undefined {
    const stream = this.streams.get(path);
    if (!stream) return undefined;
    if (stream.volatile) {
      this.streams.delete(path);
      return undefined;
    }
    return `${path} acknowledged earlier but now missing`;
  }
}

/** Adds an acknowledged body: JSON bodies are one message, or an array's elements (§9.1.2). */
export function appendTo(stream: StreamModel, body: Buffer): void {
  if (!stream.json) {
    stream.bytes = Buffer.concat([stream.bytes, body]);
    return;
  }
  const value = parseJson(body);
  if (Array.isArray(value)) stream.messages.push(...value);
  else stream.messages.push(value);
}

export function parseJson(body: Buffer): unknown {
  return JSON.parse(body.toString("utf8").replace(/^\uFEFF/, ""));
}

/** Where what was read back differs from the model, if it does. */
export function difference(stream: StreamModel, read: Buffer | unknown[]): string | undefined {
  if (!stream.json) {
    const bytes = read as Buffer;
    if (bytes.equals(stream.bytes)) return undefined;
    return `bytes differ: expected ${stream.bytes.length} bytes, read ${bytes.length}`;
  }
  if (isDeepStrictEqual(read, stream.messages)) return undefined;
  const show = (value: unknown) => JSON.stringify(value).slice(0, 300);
  return `messages differ: expected ${show(stream.messages)}, read ${show(read)}`;
}
