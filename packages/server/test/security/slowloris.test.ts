/**
 * Slowloris: clients that trickle their headers or their body in are cut off (node's
 * headersTimeout and requestTimeout, and the adapter's body idle timeout), oversized and
 * malformed heads are refused with a JSON error, and none of this touches live reads whose
 * request has fully arrived. Short timeouts keep the tests quick.
 */
import { MemoryStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { collect, metric, openSocket, rawErrorCode, rawExchange, sleep } from "./support.js";

const servers: RivuletServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ graceMs: 100 })));
});

async function start(options: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer({
    port: 0,
    store: new MemoryStore(),
    headersTimeoutMs: 400,
    requestTimeoutMs: 1_000,
    bodyIdleTimeoutMs: 300,
    ...options,
  });
  servers.push(server);
  return server;
}

async function tail(server: RivuletServer, path: string): Promise<string | null> {
  return (await fetch(`${server.url}${path}`, { method: "HEAD" })).headers.get("stream-next-offset");
}

describe("trickled headers", () => {
  test("headers sent a byte at a time are cut off with 408 REQUEST_TIMEOUT once headersTimeout passes", async () => {
    const server = await start();
    const socket = await openSocket(server);
    socket.on("error", () => {});
    const started = Date.now();
    socket.write("GET /v1/stream/x HTTP/1.1\r\nHost: h\r\nX-Slow: ");
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write("a");
    }, 50);
    const result = await collect(socket, 5_000);
    clearInterval(trickle);
    const elapsed = Date.now() - started;
    expect(result.closed).toBe(true);
    expect(result.status).toBe(408);
    expect(rawErrorCode(result)).toBe("REQUEST_TIMEOUT");
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(2_000);
    expect(await metric(server, 'rivulet_rejections_total{code="REQUEST_TIMEOUT"}')).toBe(1);
  });

  test("a connection that sends nothing after opening is closed too", async () => {
    const server = await start();
    const socket = await openSocket(server);
    socket.write("P");
    const result = await collect(socket, 5_000);
    expect(result.closed).toBe(true);
  });
});

describe("trickled bodies", () => {
  test("a body that stops arriving is 408 REQUEST_TIMEOUT after the idle timeout, and nothing is appended", async () => {
    const server = await start({ requestTimeoutMs: 0 });
    await fetch(`${server.url}/v1/stream/b`, { method: "PUT", headers: { "content-type": "text/plain" } });
    const before = await tail(server, "/v1/stream/b");
    const socket = await openSocket(server);
    const started = Date.now();
    socket.write(
      "POST /v1/stream/b HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789",
    );
    const result = await collect(socket, 5_000);
    expect(result.status).toBe(408);
    expect(rawErrorCode(result)).toBe("REQUEST_TIMEOUT");
    expect(result.text.toLowerCase()).toContain("connection: close");
    expect(result.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await tail(server, "/v1/stream/b")).toBe(before);
  });

  test("a body trickled steadily, never idle, is still cut off by requestTimeout", async () => {
    const server = await start({ bodyIdleTimeoutMs: 10_000, requestTimeoutMs: 800, headersTimeoutMs: 400 });
    await fetch(`${server.url}/v1/stream/c`, { method: "PUT", headers: { "content-type": "text/plain" } });
    const before = await tail(server, "/v1/stream/c");
    const socket = await openSocket(server);
    socket.on("error", () => {});
    const started = Date.now();
    socket.write("POST /v1/stream/c HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n");
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write("z");
    }, 50);
    const result = await collect(socket, 6_000);
    clearInterval(trickle);
    expect(result.status).toBe(408);
    expect(rawErrorCode(result)).toBe("REQUEST_TIMEOUT");
    expect(result.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await tail(server, "/v1/stream/c")).toBe(before);
  });
});

describe("oversized and malformed heads", () => {
  test("headers over maxHeaderBytes are 431 HEADERS_TOO_LARGE with the JSON envelope", async () => {
    const server = await start({ maxHeaderBytes: 1024 });
    const result = await rawExchange(
      server,
      `GET /v1/stream/x HTTP/1.1\r\nHost: h\r\nX-Big: ${"b".repeat(2048)}\r\n\r\n`,
    );
    expect(result.status).toBe(431);
    expect(rawErrorCode(result)).toBe("HEADERS_TOO_LARGE");
    expect(result.closed).toBe(true);
    expect(await metric(server, 'rivulet_rejections_total{code="HEADERS_TOO_LARGE"}')).toBe(1);
    // Headers under the limit are fine.
    const ok = await fetch(`${server.url}/healthz`, { headers: { "x-fine": "f".repeat(500) } });
    expect(ok.status).toBe(200);
  });

  test.each([
    ["garbage", "\u0001\u0002\u0003 nonsense\r\n\r\n"],
    ["a bad request line", "GET\r\n\r\n"],
    ["an invalid header name", "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"],
    ["a NUL in a header value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u0000b\r\n\r\n"],
    [
      "both Content-Length and Transfer-Encoding",
      "POST /v1/stream/x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
    [
      "two Content-Lengths",
      "POST /v1/stream/x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    ],
    ["a bad chunk size", "POST /v1/stream/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
  ])("%s is 400 BAD_REQUEST and the connection closes", async (_name, bytes) => {
    const server = await start();
    const result = await rawExchange(server, bytes);
    expect(result.status).toBe(400);
    expect(result.closed).toBe(true);
    expect(rawErrorCode(result)).toBe("BAD_REQUEST");
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("live reads are not slowloris", () => {
  test("a long-poll and an SSE session outlive requestTimeout: their requests arrived whole", async () => {
    const server = await start({ requestTimeoutMs: 400, headersTimeoutMs: 300, longPollTimeoutMs: 1_200 });
    const url = `${server.url}/v1/stream/live`;
    const created = await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
    const offset = created.headers.get("stream-next-offset")!;
    const sse = await fetch(`${url}?offset=${offset}&live=sse`);
    const started = Date.now();
    const poll = await fetch(`${url}?offset=${offset}&live=long-poll`);
    expect(poll.status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_100);
    await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "still here" });
    const reader = sse.body!.getReader();
    let seen = "";
    while (!seen.includes("still here")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    expect(seen).toContain("still here");
    await reader.cancel();
    await sleep(10);
  });
});
