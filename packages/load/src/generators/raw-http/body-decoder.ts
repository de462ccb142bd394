/**
 * Decodes compressed answer bodies (gzip, br) once answers stop arriving. Decoding one takes
 * tens of µs here, and a thousand readers in this one process share two vCPUs with the server:
 * decoding while a fan-out's answers still arrive would slow the server's writes and delay the
 * arrival times of every later reader. Readers on their own machines decode on their own
 * CPUs. So each answer's arrival time is taken when its last byte is read, and its body is
 * decoded (every message still checked) once no answer has come for a moment.
 */
import { brotliDecompressSync, gunzipSync } from "node:zlib";

/** Quiet time after the last compressed answer before the queue is decoded. */
const QUIET_MS = 5;
/** Longest an answer waits to be decoded, however steadily answers keep coming. */
const MAX_WAIT_MS = 200;

interface Undecoded {
  readonly encoding: string;
  readonly latin1: string;
  readonly decoded: (text: string) => void;
  readonly failed: (reason: string) => void;
}

let queue: Undecoded[] = [];
let oldest = 0;
let timer: NodeJS.Timeout | undefined;

/** Decodes `latin1` (the body's bytes as Latin-1 text) and calls back with the decoded text, also Latin-1. */
export function decodeLater(
  encoding: string,
  latin1: string,
  decoded: (text: string) => void,
  failed: (reason: string) => void,
): void {
  const now = performance.now();
  if (queue.length === 0) oldest = now;
  queue.push({ encoding, latin1, decoded, failed });
  clearTimeout(timer);
  timer = setTimeout(decodeAll, Math.max(0, Math.min(QUIET_MS, oldest + MAX_WAIT_MS - now)));
}

function decodeAll(): void {
  const taken = queue;
  queue = [];
  timer = undefined;
  for (const { encoding, latin1, decoded, failed } of taken) {
    let text: string;
    try {
      text = decode(encoding, Buffer.from(latin1, "latin1"));
    } catch (error) {
      failed(String(error));
      continue;
    }
    decoded(text);
  }
}

function decode(encoding: string, bytes: Buffer): string {
  if (encoding === "gzip") return gunzipSync(bytes).toString("latin1");
  if (encoding === "br") return brotliDecompressSync(bytes).toString("latin1");
  throw new Error(`unexpected content-encoding ${encoding}`);
}
