/**
 * A reply to HEAD never carries a body (RFC 9110 §9.3.2), errors included: a client reads the
 * bytes after the head as the next response, so a stray body breaks the connection. Checked on
 * the wire, over a raw socket, for replies from the app and from node:http's refusals.
 */
import { connect } from "node:net";
import { type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

let server: RivuletServer;

beforeAll(async () => {
  server = await startServer({ port: 0, requestTimeoutMs: 300, headersTimeoutMs: 300, maxHeaderBytes: 1024 });
  await fetch(`${server.url}/v1/stream/there`, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" });
});
afterAll(async () => {
  await server.close({ graceMs: 100 });
});

/** Sends `bytes` (in pieces, in order) and resolves with everything received until the server closes. */
function exchange(pieces: string[], endAfterMs?: number): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => {
      for (const piece of pieces) socket.write(piece);
      if (endAfterMs === undefined) return;
      // A keep-alive connection stays open: half-close once the replies are in.
      setTimeout(() => socket.end(), endAfterMs);
    });
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
  });
}

/** Splits a byte string of HEAD replies into heads, failing if anything follows a head but another head. */
function headsOnly(received: string): string[] {
  const heads: string[] = [];
  let rest = received;
  while (rest.length > 0) {
    expect(rest.startsWith("HTTP/1.1 ")).toBe(true);
    const end = rest.indexOf("\r\n\r\n");
    expect(end).toBeGreaterThan(0);
    heads.push(rest.slice(0, end));
    rest = rest.slice(end + 4);
  }
  return heads;
}

const status = (head: string) => Number(head.slice(9, 12));

describe("HEAD replies carry no body", () => {
  test("a HEAD whose chunked body does not parse: 400, head only", async () => {
    const received = await exchange([
      "HEAD /v1/stream/there HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    ]);
    const heads = headsOnly(received);
    expect(heads.map(status)).toEqual([400]);
    expect(heads[0]).toMatch(/content-type: application\/json/i);
  });

  test("a HEAD with too large headers: 431, head only", async () => {
    const received = await exchange([
      `HEAD /v1/stream/there HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(4096)}\r\n\r\n`,
    ]);
    expect(headsOnly(received).map(status)).toEqual([431]);
  });

  test("a HEAD whose body stops arriving: its reply is a head; the later 408 is a separate, whole response", async () => {
    const received = await exchange(["HEAD /v1/stream/there HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"]);
    const headEnd = received.indexOf("\r\n\r\n");
    expect(status(received)).toBe(200);
    const timeout = received.slice(headEnd + 4);
    expect(status(timeout)).toBe(408);
    const [head, body] = [
      timeout.slice(0, timeout.indexOf("\r\n\r\n")),
      timeout.slice(timeout.indexOf("\r\n\r\n") + 4),
    ];
    expect(Number(/content-length: (\d+)/i.exec(head)?.[1])).toBe(body.length);
  });

  test("HEAD with a body on a missing stream, then a GET on the same connection: the 404 has no body", async () => {
    const received = await exchange(
      [
        "HEAD /v1/stream/missing HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
        "GET /v1/stream/there HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      ],
      2_000,
    );
    const headEnd = received.indexOf("\r\n\r\n");
    expect(status(received)).toBe(404);
    // The HEAD reply may close the connection (its body was refused unread); if it did not, the
    // very next bytes are the GET's reply, not a JSON error body.
    const rest = received.slice(headEnd + 4);
    if (rest.length > 0) {
      expect(rest.startsWith("HTTP/1.1 200")).toBe(true);
      expect(rest.endsWith("\r\n\r\nx")).toBe(true);
    }
  });
});
