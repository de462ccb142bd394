/** Request bodies: bytes, text, JSON messages, and streamed sources. */
import { usageError } from "../errors.js";

export type BodyInput = Uint8Array | ArrayBuffer | string;
export type StreamSource = AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array | string>;

const encoder = new TextEncoder();

export function bodyBytes(body: BodyInput): Uint8Array | string {
  return body instanceof ArrayBuffer ? new Uint8Array(body) : body;
}

export function bodyLength(body: Uint8Array | string): number {
  return typeof body === "string" ? encoder.encode(body).length : body.length;
}

/**
 * JSON messages as one POST body. PROTOCOL §9.1.2 flattens one level of a top-level array,
 * so messages are always sent wrapped: `[m1, m2]` stores m1 and m2, and an array message
 * stays one message.
 */
export function jsonMessagesBody(url: string, messages: readonly unknown[]): string {
  if (messages.length === 0) throw usageError(url, "Nothing to append: the message list is empty");
  const encoded = messages.map((message, index) => encodeJson(url, message, index));
  return `[${encoded.join(",")}]`;
}

export function encodeJson(url: string, message: unknown, index = 0): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(message);
  } catch (cause) {
    throw usageError(url, `Message ${index} cannot be encoded as JSON: ${(cause as Error).message}`);
  }
  if (text === undefined) throw usageError(url, `Message ${index} has no JSON form (${typeof message})`);
  return text;
}

/** A streamed request body from an async iterable or a ReadableStream of bytes or text. */
export function byteStreamOf(source: StreamSource): ReadableStream<Uint8Array> {
  const iterator = isReadableStream(source) ? readerIterator(source) : source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(typeof next.value === "string" ? encoder.encode(next.value) : next.value);
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

function isReadableStream(value: StreamSource): value is ReadableStream<Uint8Array | string> {
  return typeof (value as ReadableStream).getReader === "function";
}

/** Not every runtime makes ReadableStream async-iterable (Safari), so read it by hand. */
function readerIterator<V>(stream: ReadableStream<V>): AsyncIterator<V> {
  const reader = stream.getReader();
  return {
    async next() {
      const result = await reader.read();
      return result.done ? { done: true, value: undefined } : { done: false, value: result.value };
    },
    async return() {
      await reader.cancel();
      return { done: true, value: undefined };
    },
  };
}
