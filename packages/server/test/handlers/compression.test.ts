/**
 * Response compression's choices: small bodies in place, large ones on the thread pool (both
 * decode to the input), and the encoding chosen from Accept-Encoding, remembered per header
 * value without answering one header with another's choice.
 */
import type { IncomingMessage } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { COMPRESS_IN_PLACE_MAX, compress, compressionFor } from "../../src/adapters/compression.js";
import type { HttpReply } from "../../src/http/exchange.js";

const text = (bytes: number) => Buffer.from(`[${"a".repeat(bytes - 2)}]`);
const decode = { gzip: gunzipSync, br: brotliDecompressSync } as const;

describe("compress", () => {
  test.each(["gzip", "br"] as const)("%s: a body up to the in-place limit is compressed in place", (encoding) => {
    const parts = [text(COMPRESS_IN_PLACE_MAX / 2), text(COMPRESS_IN_PLACE_MAX / 2)];
    const out = compress(encoding, parts, COMPRESS_IN_PLACE_MAX);
    expect(out).not.toBeInstanceOf(Promise);
    expect(decode[encoding](out as Uint8Array).equals(Buffer.concat(parts))).toBe(true);
  });

  test.each(["gzip", "br"] as const)("%s: a larger body is compressed on the thread pool", async (encoding) => {
    const body = text(COMPRESS_IN_PLACE_MAX + 1);
    const out = compress(encoding, [body], body.length);
    expect(out).toBeInstanceOf(Promise);
    expect(decode[encoding](await out).equals(body)).toBe(true);
  });
});

describe("compressionFor", () => {
  const reply: HttpReply = { status: 200, headers: { "content-type": "application/json" } };
  const asking = (acceptEncoding: string | undefined) =>
    ({ headers: acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding } }) as IncomingMessage;

  test("each header value gets its own choice, also when the same values come again in turn", () => {
    const headers = ["gzip, br", "gzip", "br;q=0, gzip;q=0.5", "gzip;q=0", undefined, "*", "identity"];
    const expected = ["br", "gzip", "gzip", undefined, undefined, "br", undefined];
    for (let round = 0; round < 2; round++) {
      expect(headers.map((h) => compressionFor(asking(h), reply, 2048, 1024))).toEqual(expected);
    }
  });

  test("small, non-200 and binary replies are not compressed", () => {
    const req = asking("gzip, br");
    expect(compressionFor(req, reply, 1023, 1024)).toBeUndefined();
    expect(compressionFor(req, { ...reply, status: 206 }, 2048, 1024)).toBeUndefined();
    const binary: HttpReply = { status: 200, headers: { "content-type": "application/octet-stream" } };
    expect(compressionFor(req, binary, 2048, 1024)).toBeUndefined();
    expect(compressionFor(req, reply, 2048, 0)).toBeUndefined();
  });
});
