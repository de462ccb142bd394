/**
 * Compressed request bodies (RFC 9110 §8.4): a body sent with `Content-Encoding: gzip` is
 * decoded before anything reads it, so appends and produce requests may be compressed (as
 * Kafka clients compress batches). The decoded body is held to the same limit as any body, so
 * a small compressed body can never expand past it. Decoding runs on the libuv thread pool.
 */
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { ProtocolError } from "@rivulet/protocol";

const gunzipAsync = promisify(gunzip);

/** `body` as sent, decoded by `encoding` (the Content-Encoding header), at most `limit` bytes once decoded. */
export async function decodeBody(body: Uint8Array, encoding: string | undefined, limit: number): Promise<Uint8Array> {
  if (encoding === undefined) return body;
  let decoded = body;
  // Codings are listed in the order they were applied: undo them last first.
  for (const coding of encoding
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .reverse()) {
    if (coding === "" || coding === "identity") continue;
    if (coding !== "gzip" && coding !== "x-gzip") {
      throw new ProtocolError(
        "UNSUPPORTED_CONTENT_ENCODING",
        `Content-Encoding ${JSON.stringify(coding)} is not supported: send identity or gzip`,
        { "accept-encoding": "gzip" },
      );
    }
    decoded = await gunzipOnce(decoded, limit);
  }
  return decoded;
}

async function gunzipOnce(body: Uint8Array, limit: number): Promise<Uint8Array> {
  try {
    return await gunzipAsync(body, { maxOutputLength: Math.max(1, limit) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new ProtocolError("PAYLOAD_TOO_LARGE", `The decompressed request body exceeds ${limit} bytes`);
    }
    throw new ProtocolError("BAD_REQUEST", `The request body is not valid gzip: ${(error as Error).message}`);
  }
}
