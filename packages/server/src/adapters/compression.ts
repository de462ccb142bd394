/**
 * Response compression on the libuv thread pool (zlib's async API), so large bodies never
 * block the event loop. Only text-like bodies above a size threshold are compressed.
 */
import type { IncomingMessage } from "node:http";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import { mediaType } from "@rivulet/protocol";
import type { HttpReply } from "../http/exchange.js";

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
  if (!isCompressible(reply.headers["content-type"])) return undefined;
  const accepted = acceptedEncodings(String(req.headers["accept-encoding"] ?? ""));
  if (accepted("br")) return "br";
  if (accepted("gzip")) return "gzip";
  return undefined;
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

export async function compress(encoding: Encoding, parts: Uint8Array[]): Promise<Uint8Array> {
  const input = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  if (encoding === "gzip") return gzipAsync(input, { level: 6 });
  // Quality 4: most of brotli's gain at a small fraction of its top-quality cost.
  return brotli(input, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
}
