/** Request bodies of exact sizes. */

/** A JSON object of exactly `bytes` bytes: `{"seq":<seq>,"pad":"xx…"}`. */
export function jsonMessage(bytes: number, seq = 0): string {
  const head = `{"seq":${seq},"pad":"`;
  const tail = `"}`;
  const pad = bytes - head.length - tail.length;
  if (pad < 0) throw new Error(`a ${bytes} B JSON message cannot hold seq ${seq}`);
  return head + "x".repeat(pad) + tail;
}

/** A JSON array body of `count` messages of `bytes` bytes (appends `count` messages). */
export function jsonBatch(count: number, bytes: number, firstSeq = 0): string {
  const messages: string[] = [];
  for (let i = 0; i < count; i++) messages.push(jsonMessage(bytes, firstSeq + i));
  return `[${messages.join(",")}]`;
}

/** Bytes that do not compress to nothing (a repeating 251-byte pattern). */
export function binaryBody(bytes: number): Buffer {
  const body = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) body[i] = (i * 31 + 7) % 251;
  return body;
}

const SEQ_KEY = '"seq":';

/**
 * Every `"seq":N` in a text, in order, into `into` (emptied first; a fresh array if none).
 * A scan rather than a RegExp: a fan-out generator runs it on millions of messages a second.
 */
export function seqsIn(text: string, into: number[] = []): number[] {
  into.length = 0;
  let at = text.indexOf(SEQ_KEY);
  while (at >= 0) {
    let i = at + SEQ_KEY.length;
    let seq = 0;
    let digits = 0;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) {
      seq = seq * 10 + (c - 48);
      digits++;
    }
    if (digits > 0) into.push(seq);
    at = text.indexOf(SEQ_KEY, i);
  }
  return into;
}
