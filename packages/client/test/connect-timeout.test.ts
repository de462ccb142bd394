/**
 * nodeFetch's connect timeout, separate from the request timeout. A listener that never
 * accepts (a stopped process whose backlog is full) makes a connection attempt hang, as an
 * address that drops packets would; a slow but reachable server shows the limit covers only
 * connecting.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { type ClientEvent, createClient, DurableStream } from "@rivulet/client";
import { nodeFetch } from "@rivulet/client/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "./support/fault-proxy.js";
import { startTestServer, type TestServer } from "./support/server.js";

let server: TestServer;
let proxy: FaultProxy;
let blackHole: { url: string; close(): void };
beforeAll(async () => {
  server = await startTestServer();
  proxy = await startFaultProxy(server.url);
  blackHole = await startBlackHole();
});
afterAll(async () => {
  blackHole?.close();
  await proxy?.close();
  await server?.close();
});

/** A listener with a backlog of one in a stopped process, its queue filled: new connections hang. */
async function startBlackHole(): Promise<{ url: string; close(): void }> {
  const listen = `const s=require("net").createServer();s.listen({port:0,host:"127.0.0.1",backlog:1},()=>console.log(s.address().port))`;
  const child: ChildProcess = spawn(process.execPath, ["-e", listen], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) =>
    child.stdout!.once("data", (data) => resolve(Number(String(data)))),
  );
  child.kill("SIGSTOP");
  // Linux queues backlog + 1 connections for a listener that does not accept; these fill it.
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const socket = connect(port, "127.0.0.1");
    fillers.push(socket);
    await new Promise((resolve) => socket.once("connect", resolve));
  }
  return {
    url: `http://127.0.0.1:${port}/v1/stream/nowhere`,
    close() {
      for (const socket of fillers) socket.destroy();
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    },
  };
}

describe("nodeFetch({ connectTimeoutMs })", () => {
  it("a connection not made in time is TIMEOUT, long before the request timeout", async () => {
    const handle = new DurableStream({
      url: blackHole.url,
      fetch: nodeFetch({ connectTimeoutMs: 200 }),
      timeoutMs: 60_000,
      retry: { maxRetries: 0 },
    });
    const error = await handle.head().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "TIMEOUT", isRetryable: true });
    expect((error as Error).message).toBe(`Connecting to ${blackHole.url} timed out`);
  });

  it("a plain append is retried after a connect timeout: it certainly never left", async () => {
    const events: ClientEvent[] = [];
    const handle = new DurableStream({
      url: blackHole.url,
      contentType: "text/plain",
      fetch: nodeFetch({ connectTimeoutMs: 100 }),
      retry: { maxRetries: 2, initialDelayMs: 5, maxDelayMs: 10 },
      onEvent: (e) => events.push(e),
    });
    await expect(handle.append("x")).rejects.toMatchObject({ code: "TIMEOUT" });
    const starts = events.filter((e) => e.type === "request:start");
    expect(starts.map((e) => e.type === "request:start" && e.attempt)).toEqual([1, 2, 3]);
  });

  it("limits only connecting: a slow answer from a reachable server is waited for", async () => {
    const client = createClient({ baseUrl: `${proxy.url}/v1/stream`, fetch: nodeFetch({ connectTimeoutMs: 50 }) });
    const handle = await client.create(`slow-${process.pid}`, { contentType: "text/plain" });
    proxy.setRule((request) => (request.method === "POST" ? { kind: "delay", ms: 300 } : undefined));
    try {
      expect((await handle.append("late but fine")).offset).toBe((await handle.head()).offset);
    } finally {
      proxy.setRule(undefined);
    }
  });

  it("refuses a connect timeout that cannot work", () => {
    expect(() => nodeFetch({ connectTimeoutMs: 0 })).toThrow(expect.objectContaining({ option: "connectTimeoutMs" }));
  });
});
