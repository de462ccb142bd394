/**
 * Slow readers: an SSE client that never reads while appends pour in is disconnected, and
 * what the server buffers for it stays bounded the whole time (observed on the server's own
 * socket); a large reply a client never reads is cut off the same way; and through the fetch
 * adapter a stalled consumer holds the session back instead of queueing without limit.
 */
import type { Socket } from "node:net";
import { createFetchHandler, MemoryStore, ProtocolApp, type RivuletServer, startServer } from "@rivulet/server";
import { afterEach, describe, expect, test, vi } from "vitest";
import { readersWaiting } from "../support/live-readers.js";
import { metric, openSocket, sleep } from "./support.js";

const CHUNK = 256 * 1024;
const TIMEOUT_MS = 500;

const servers: RivuletServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ graceMs: 100 })));
});

async function start(options: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer({
    port: 0,
    store: new MemoryStore(),
    chunkBytes: CHUNK,
    slowReaderTimeoutMs: TIMEOUT_MS,
    ...options,
  });
  servers.push(server);
  return server;
}

/** The server side of every connection, in the order they were accepted. */
function serverSockets(server: RivuletServer): Socket[] {
  const sockets: Socket[] = [];
  server.http.on("connection", (socket: Socket) => sockets.push(socket));
  return sockets;
}

describe("an SSE client that does not read", () => {
  test("is disconnected, its buffer never exceeds about one chunk, and the metric counts it", async () => {
    const server = await start();
    const url = `${server.url}/v1/stream/flood`;
    await fetch(url, { method: "PUT", headers: { "content-type": "application/octet-stream" } });
    const sockets = serverSockets(server);
    const reader = await openSocket(server);
    reader.on("error", () => {});
    reader.write(`GET /v1/stream/flood?offset=-1&live=sse HTTP/1.1\r\nHost: h\r\n\r\n`);
    await readersWaiting(server.app.engine, "/v1/stream/flood");
    // From here on the client reads nothing: the kernel buffers fill, then the server's.
    reader.pause();
    const sseSocket = sockets[0]!;
    let closedAt: number | undefined;
    sseSocket.once("close", () => {
      closedAt = Date.now();
    });

    let maxBuffered = 0;
    const sample = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, sseSocket.writableLength);
    }, 5);
    const payload = Buffer.alloc(CHUNK, 0x61);
    let appended = 0;
    // 48 MiB in all: far more than the kernel socket buffers on both ends hold.
    for (let i = 0; i < 192 && closedAt === undefined; i++) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: payload,
      });
      expect(res.status).toBe(204);
      appended += payload.length;
    }
    await vi.waitFor(() => expect(closedAt, `still connected after ${appended} bytes`).toBeDefined(), {
      timeout: 10_000,
    });
    clearInterval(sample);

    // One event (a chunk, base64-encoded) plus a control event, beyond the stream's own buffer.
    expect(maxBuffered).toBeLessThanOrEqual(CHUNK * 2);
    expect(await metric(server, 'rivulet_slow_readers_disconnected_total{mode="sse"}')).toBe(1);
    expect(await metric(server, 'rivulet_live_connections{mode="sse"}')).toBe(0);
    reader.destroy();
  });

  test("a reader that keeps up is never cut off", async () => {
    const server = await start();
    const url = `${server.url}/v1/stream/steady`;
    await fetch(url, { method: "PUT", headers: { "content-type": "application/octet-stream" } });
    const res = await fetch(`${url}?offset=-1&live=sse`);
    const body = res.body!.getReader();
    let received = 0;
    const reading = (async () => {
      for (;;) {
        const { value, done } = await body.read();
        if (done) return;
        received += value.length;
      }
    })();
    for (let i = 0; i < 40; i++) {
      await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: Buffer.alloc(CHUNK, 1),
      });
    }
    // 40 chunks of base64 arrive; then, past the slow-reader timeout, the session is still open.
    await vi.waitFor(() => expect(received).toBeGreaterThan(40 * CHUNK * 1.3), { timeout: 10_000 });
    await sleep(TIMEOUT_MS * 2);
    await body.cancel();
    await reading.catch(() => {});
    expect(await metric(server, 'rivulet_slow_readers_disconnected_total{mode="sse"}')).toBe(0);
  });
});

describe("a large reply the client does not read", () => {
  test("is cut off after the slow-reader timeout", async () => {
    const big = 24 << 20;
    const server = await start({ chunkBytes: big, maxBodyBytes: big });
    const url = `${server.url}/v1/stream/big`;
    await fetch(url, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: Buffer.alloc(big, 2),
    });
    const sockets = serverSockets(server);
    const reader = await openSocket(server);
    reader.on("error", () => {});
    reader.pause();
    reader.write(`GET /v1/stream/big?offset=-1 HTTP/1.1\r\nHost: h\r\n\r\n`);
    // The reply is being written and is stuck in the server's buffer: the client reads nothing.
    await vi.waitFor(() => expect(sockets[0]?.writableLength).toBeGreaterThan(0), { timeout: 10_000 });
    const socket = sockets[0]!;
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    expect(await metric(server, 'rivulet_slow_readers_disconnected_total{mode="response"}')).toBe(1);
    reader.destroy();
  });
});

describe("through the fetch adapter", () => {
  test("a consumer that stops pulling holds the session back, and is cut off after the timeout", async () => {
    const app = new ProtocolApp({ chunkBytes: CHUNK, slowReaderTimeoutMs: TIMEOUT_MS, store: new MemoryStore() });
    await app.open();
    const handler = createFetchHandler(app);
    const send = (path: string, init?: RequestInit) => handler(new Request(`http://h${path}`, init));
    await send("/v1/stream/f", { method: "PUT", headers: { "content-type": "application/octet-stream" } });
    const sse = await send("/v1/stream/f?offset=-1&live=sse");
    for (let i = 0; i < 16; i++) {
      await send("/v1/stream/f", {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: Buffer.alloc(CHUNK, 3),
      });
    }
    await vi.waitFor(
      async () =>
        expect((await app.metrics!.render()).body).toContain('rivulet_slow_readers_disconnected_total{mode="sse"} 1'),
      { timeout: 10_000 },
    );
    // The body errors out instead of delivering 16 chunks that were never queued.
    const reader = sse.body!.getReader();
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return;
      })(),
    ).rejects.toThrow(/did not read/);
    await app.close();
  });
});
