/**
 * The node:http adapter (startServer): response compression, and the error paths that live in
 * the adapter itself (path decoding, body limits). Raw node:http requests, so we see the bytes
 * on the wire rather than what a fetch client decodes for us.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { COMPRESS_IN_PLACE_MAX } from "../../src/adapters/compression.js";
import { readersWaiting } from "../support/live-readers.js";
import { BASE } from "./helpers.js";

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function raw(
  server: RivuletServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | Buffer[],
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    // An array is sent as separate chunks with Transfer-Encoding: chunked.
    for (const part of Array.isArray(body) ? body : body ? [body] : []) req.write(part);
    req.end();
  });
}

const errorCode = (res: RawResponse) => (JSON.parse(res.body.toString()) as { error: { code: string } }).error.code;

describe("node adapter", () => {
  let server: RivuletServer;
  const big = `${BASE}/compress-big`;
  const small = `${BASE}/compress-small`;
  const binary = `${BASE}/compress-binary`;
  const bigMessages = Array.from({ length: 200 }, (_, i) => ({ i, text: "the same words again and again" }));

  beforeAll(async () => {
    server = await startServer({ port: 0, maxBodyBytes: 32 * 1024 });
    const json = { "content-type": "application/json" };
    await raw(server, "PUT", big, json, Buffer.from(JSON.stringify(bigMessages)));
    await raw(server, "PUT", small, json, Buffer.from('[{"tiny":true}]'));
    await raw(server, "PUT", binary, { "content-type": "application/octet-stream" }, Buffer.alloc(4096, 7));
  });
  afterAll(() => server.close());

  describe("compression", () => {
    // About 10 KB is compressed in place, about 25 KB on the thread pool.
    test.each([
      ["in place", 1],
      ["on the thread pool", 2.5],
    ])(
      "long-poll waiters woken by one append each decode the body in the encoding they asked for (%s)",
      async (how, scale) => {
        const live = `${BASE}/compress-live-${scale}`;
        await raw(server, "PUT", live, { "content-type": "application/json" });
        const tail = (await raw(server, "HEAD", live)).headers["stream-next-offset"] as string;
        const url = `${live}?offset=${encodeURIComponent(tail)}&live=long-poll`;
        const asks = ["gzip", "br", "gzip", "identity"];
        const polls = asks.map((encoding) => raw(server, "GET", url, { "accept-encoding": encoding }));
        await readersWaiting(server.app.engine, live, asks.length);
        const messages = bigMessages.map((m) => ({ ...m, live: true, text: m.text.repeat(scale) }));
        expect(JSON.stringify(messages).length > COMPRESS_IN_PLACE_MAX).toBe(how !== "in place");
        await raw(server, "POST", live, { "content-type": "application/json" }, Buffer.from(JSON.stringify(messages)));
        const answers = await Promise.all(polls);
        const decoders: Record<string, (body: Buffer) => Buffer> = {
          gzip: gunzipSync,
          br: brotliDecompressSync,
          identity: (body) => body,
        };
        answers.forEach((res, i) => {
          const asked = asks[i]!;
          expect(res.status).toBe(200);
          expect(res.headers["content-encoding"]).toBe(asked === "identity" ? undefined : asked);
          expect(JSON.parse(decoders[asked]!(res.body).toString())).toEqual(messages);
        });
        // The two gzip waiters got the one compression of the body.
        expect(answers[0]!.body.equals(answers[2]!.body)).toBe(true);
        // The waiters share one header set; a compressed form's headers do not leak into the
        // plain reply (asked last), and each reply keeps its own request id and length.
        const strong = answers[3]!.headers.etag!;
        expect(strong.startsWith("W/")).toBe(false);
        expect(answers[3]!.headers.vary).toBeUndefined();
        answers.forEach((res, i) => {
          const compressed = asks[i] !== "identity";
          expect(res.headers.etag).toBe(compressed ? `W/${strong}` : strong);
          if (compressed) expect(res.headers.vary).toBe("accept-encoding");
          expect(Number(res.headers["content-length"])).toBe(res.body.length);
          expect(res.headers["access-control-allow-origin"]).toBe("*");
          expect(res.headers["x-content-type-options"]).toBe("nosniff");
        });
        expect(new Set(answers.map((res) => res.headers["x-request-id"])).size).toBe(asks.length);
      },
    );

    test("a large JSON read with Accept-Encoding: gzip is gzip-encoded and decodes to the same body", async () => {
      const plain = await raw(server, "GET", big);
      expect(plain.headers["content-encoding"]).toBeUndefined();
      const gz = await raw(server, "GET", big, { "accept-encoding": "gzip" });
      expect(gz.status).toBe(200);
      expect(gz.headers["content-encoding"]).toBe("gzip");
      expect(gz.headers.vary).toContain("accept-encoding");
      expect(Number(gz.headers["content-length"])).toBe(gz.body.length);
      expect(gz.body.length).toBeLessThan(plain.body.length);
      expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
      expect(JSON.parse(plain.body.toString())).toEqual(bigMessages);
    });

    test("brotli is preferred when accepted", async () => {
      const br = await raw(server, "GET", big, { "accept-encoding": "gzip, deflate, br" });
      expect(br.headers["content-encoding"]).toBe("br");
      expect(JSON.parse(brotliDecompressSync(br.body).toString())).toEqual(bigMessages);
    });

    test("a coding refused with q=0 is not used", async () => {
      const res = await raw(server, "GET", big, { "accept-encoding": "br;q=0, gzip;q=0.5" });
      expect(res.headers["content-encoding"]).toBe("gzip");
      const none = await raw(server, "GET", big, { "accept-encoding": "gzip;q=0" });
      expect(none.headers["content-encoding"]).toBeUndefined();
      expect(JSON.parse(none.body.toString())).toEqual(bigMessages);
    });

    test("the compressed ETag is weak, and still answers If-None-Match with 304", async () => {
      const plainEtag = (await raw(server, "GET", big)).headers.etag!;
      const gz = await raw(server, "GET", big, { "accept-encoding": "gzip" });
      expect(gz.headers.etag).toBe(`W/${plainEtag}`);
      const again = await raw(server, "GET", big, { "accept-encoding": "gzip", "if-none-match": gz.headers.etag! });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
    });

    test("small bodies are not compressed", async () => {
      const res = await raw(server, "GET", small, { "accept-encoding": "gzip, br" });
      expect(res.headers["content-encoding"]).toBeUndefined();
      expect(JSON.parse(res.body.toString())).toEqual([{ tiny: true }]);
    });

    test("binary bodies are not compressed", async () => {
      const res = await raw(server, "GET", binary, { "accept-encoding": "gzip, br" });
      expect(res.headers["content-encoding"]).toBeUndefined();
      expect(res.body.length).toBe(4096);
    });
  });

  describe("adapter error paths", () => {
    test("bad percent-encoding is INVALID_PATH with the security headers", async () => {
      const res = await raw(server, "GET", `${BASE}/bad%E0%A4%A`);
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe("INVALID_PATH");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["access-control-allow-origin"]).toBe("*");
    });

    test("a declared Content-Length over maxBodyBytes is PAYLOAD_TOO_LARGE", async () => {
      const path = `${BASE}/limit-declared`;
      await raw(server, "PUT", path, { "content-type": "text/plain" });
      const res = await raw(server, "POST", path, { "content-type": "text/plain" }, Buffer.alloc(32 * 1024 + 1, 97));
      expect(res.status).toBe(413);
      expect(errorCode(res)).toBe("PAYLOAD_TOO_LARGE");
    });

    test("a chunked body that grows past maxBodyBytes is PAYLOAD_TOO_LARGE and nothing is written", async () => {
      const path = `${BASE}/limit-chunked`;
      await raw(server, "PUT", path, { "content-type": "text/plain" });
      const chunks = Array.from({ length: 5 }, () => Buffer.alloc(8 * 1024, 97));
      const res = await raw(server, "POST", path, { "content-type": "text/plain" }, chunks);
      expect(res.status).toBe(413);
      expect(errorCode(res)).toBe("PAYLOAD_TOO_LARGE");
      const head = await raw(server, "HEAD", path);
      expect(head.headers["stream-next-offset"]).toBe("0000000000000000_0000000000000000");
    });

    test("Location on create uses the Host the client sent", async () => {
      const res = await raw(server, "PUT", `${BASE}/located`, { host: "streams.example:8080" });
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`http://streams.example:8080${BASE}/located`);
    });
  });
});
