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

/** Every `"seq":N` in a text, in order. */
export function seqsIn(text: string): number[] {
  const seqs: number[] = [];
  for (const match of text.matchAll(/"seq":(\d+)/g)) seqs.push(Number(match[1]));
  return seqs;
}
