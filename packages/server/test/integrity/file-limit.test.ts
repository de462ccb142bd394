/**
 * File descriptors (docs/storage.md, "Open files"): a real server under `ulimit -n 256` with
 * 2,000 streams. The store budgets its open files from that limit, so appends across all the
 * streams succeed. When connections then hold every descriptor the process has, an append
 * closes an idle file and retries, or answers a retryable 503 (TOO_MANY_OPEN_FILES,
 * Retry-After), never a 500; /readyz says so while it lasts, /metrics counts it and the log
 * says it; once descriptors are free again everything works and nothing acknowledged is
 * missing. (test/store/file-limit.test.ts forces the 503 path through the FileIo seam.)
 */
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, expect, test } from "vitest";
import { dataDir, type Server, serve } from "./support.js";

const STREAMS = 2_000;
const WIDTH = 16;
const flood: Socket[] = [];
const agents: Agent[] = [];
afterEach(() => {
  for (const socket of flood.splice(0)) socket.destroy();
  for (const agent of agents.splice(0)) agent.destroy();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A client with its own keep-alive connections, opened before any flood. */
async function client(server: Server) {
  const agent = new Agent({ keepAlive: true, maxSockets: WIDTH });
  agents.push(agent);
  const { hostname, port } = new URL(server.url);
  const call = (method: string, path: string, body?: string): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request(
        { agent, host: hostname, port, method, path, headers: { "content-type": "text/plain" } },
        (res) => {
          let data = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            data += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  await Promise.all(Array.from({ length: WIDTH }, () => call("GET", "/healthz")));
  return call;
}

/** Runs `work` for 0..count-1, WIDTH at a time. */
async function each(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: WIDTH }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
}

/** Opens more connections than the server has descriptors left for. */
async function exhaust(server: Server, count: number): Promise<void> {
  const { hostname, port } = new URL(server.url);
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), hostname);
    socket.on("error", () => {});
    flood.push(socket);
    await new Promise((resolve) => socket.once("connect", resolve));
  }
}

test("2,000 streams under ulimit -n 256: appends succeed or answer a retryable 503, never a 500", async () => {
  const dir = await dataDir();
  let server = await serve(dir, [], { openFiles: 256 });
  let call = await client(server);
  const expected = new Map<number, string>();
  const statuses = new Map<number, number>();
  const append = async (i: number, piece: string) => {
    const reply = await call("POST", `/v1/stream/s${i}`, piece);
    statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    if (reply.status === 204) {
      expected.set(i, (expected.get(i) ?? "") + piece);
      return;
    }
    expect(reply.status).toBe(503);
    expect(reply.headers["retry-after"]).toBeTruthy();
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: "TOO_MANY_OPEN_FILES" } });
  };

  // Every stream gets a data file: far more files than descriptors, so the store cycles them.
  await each(STREAMS, async (i) => {
    expect((await call("PUT", `/v1/stream/s${i}`)).status).toBe(201);
    await append(i, `${i}:a;`);
  });
  expect(statuses.get(204)).toBe(STREAMS);
  expect((await call("GET", "/readyz")).status).toBe(200);

  // Restarted, no file is open yet; connections then take every descriptor there is.
  await server.stop();
  server = await serve(dir, [], { openFiles: 256 });
  call = await client(server);
  await exhaust(server, 320);
  // Each append now either closes an idle file to make room (204) or, with none to close,
  // is refused (503); which of the two depends on when connections took their descriptors.
  await each(STREAMS, (i) => append(i, `${i}:b;`));
  const notReady = await call("GET", "/readyz");
  expect(notReady.status).toBe(503);
  expect(JSON.parse(notReady.body).detail).toContain("out of file descriptors");
  const metrics = (await call("GET", "/metrics")).body;
  expect(Number(/^rivulet_store_file_limit_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  await server.waitForOutput(/out of file descriptors/);

  // Descriptors back: ready again, and every stream holds exactly its acknowledged appends.
  for (const socket of flood.splice(0)) socket.destroy();
  await each(STREAMS, (i) => append(i, `${i}:c;`));
  expect((await call("GET", "/readyz")).status).toBe(200);
  await each(STREAMS, async (i) => {
    const reply = await call("GET", `/v1/stream/s${i}?offset=-1`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(expected.get(i));
  });
  expect(statuses.get(500) ?? 0).toBe(0);
}, 60_000);
