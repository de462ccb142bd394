/**
 * Response compression. Large bodies are compressed on the libuv thread pool (zlib's async
 * API), so they never block the event loop; small ones, a live append's answer among them,
 * in place: a few dozen microseconds once per body, cheaper than the pool's round trip and a
 * promise per waiting reply. Only text-like bodies above a size threshold are compressed.
 */
import type { IncomingMessage } from "node:http";
import { promisify } from "node:util";
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from "node:zlib";
import { mediaType } from "@rivulet/protocol";
import { type HttpReply, replyHeader } from "../http/exchange.js";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Encoding = "br" | "gzip";

function isCompressible(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = mediaType(contentType);
  return type.startsWith("text/") || type.endsWith("json") || type.endsWith("+xml") || type === "application/xml";
}

export function compressionFor(
  req: IncomingMessage,
  reply: HttpReply,
  size: number,
  minBytes: number,
): Encoding | undefined {
  if (minBytes <= 0 || size < minBytes || reply.status !== 200) return undefined;
  if (!isCompressible(replyHeader(reply, "content-type"))) return undefined;
  return preferredEncoding(String(req.headers["accept-encoding"] ?? ""));
}

/** The last Accept-Encoding seen and its choice: a fan-out's readers all send the same one. */
let lastAccepted = "";
let lastChoice: Encoding | undefined;

function preferredEncoding(header: string): Encoding | undefined {
  if (header === lastAccepted) return lastChoice;
  const accepted = acceptedEncodings(header);
  lastChoice = accepted("br") ? "br" : accepted("gzip") ? "gzip" : undefined;
  lastAccepted = header;
  return lastChoice;
}

/** RFC 9110 §12.5.3: a coding is acceptable when listed (or matched by `*`) with a q-value above 0. */
function acceptedEncodings(header: string): (coding: Encoding) => boolean {
  const weights = new Map<string, number>();
  for (const item of header.split(",")) {
    const [name = "", ...params] = item.split(";").map((part) => part.trim().toLowerCase());
    if (name === "") continue;
    const q = params.find((param) => param.startsWith("q="));
    weights.set(name, q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  return (coding) => (weights.get(coding) ?? weights.get("*") ?? 0) > 0;
}

/** Bodies up to this size are compressed in place rather than on the thread pool. */
export const COMPRESS_IN_PLACE_MAX = 16 * 1024;

const GZIP_OPTIONS = { level: 6 };
// Quality 4: most of brotli's gain at a small fraction of its top-quality cost.
const BROTLI_OPTIONS = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };

/** `parts` compressed: in place when at most COMPRESS_IN_PLACE_MAX bytes, else on the thread pool. */
export function compress(encoding: Encoding, parts: Uint8Array[], size: number): Uint8Array | Promise<Uint8Array> {
  const input = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  if (size <= COMPRESS_IN_PLACE_MAX) {
    return encoding === "gzip" ? gzipSync(input, GZIP_OPTIONS) : brotliCompressSync(input, BROTLI_OPTIONS);
  }
  return encoding === "gzip" ? gzipAsync(input, GZIP_OPTIONS) : brotli(input, BROTLI_OPTIONS);
}
