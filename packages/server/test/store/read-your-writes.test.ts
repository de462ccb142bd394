/**
 * Read-your-writes under concurrency on the durable store: 64 clients each create a stream,
 * append to it and read it back at once. A 2xx must be visible to every later request, so
 * there is never a 404 after a 201, nor a read missing an acknowledged append.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, expect, test } from "vitest";

let server: RivuletServer;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-ryw-"));
  server = await startServer({ port: 0, store: new FileStore({ dir }) });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function client(id: number, round: number): Promise<void> {
  const url = `${server.url}/v1/stream/ryw-${round}-${id}`;
  const created = await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } });
  expect(created.status).toBe(201);
  const head = await fetch(url, { method: "HEAD" });
  expect(head.status).toBe(200);
  for (let n = 0; n < 3; n++) {
    const appended = await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: `${id}:${n};`,
    });
    expect(appended.status).toBe(204);
    const read = await fetch(url);
    expect(read.status).toBe(200);
    const body = await read.text();
    expect(body.endsWith(`${id}:${n};`)).toBe(true);
  }
  // A second reader on the same stream, started after the acknowledgement, sees everything too.
  expect(await (await fetch(`${url}?offset=-1`)).text()).toBe(`${id}:0;${id}:1;${id}:2;`);
}

test("64 concurrent clients never see a 404 after a 201 or miss an acknowledged append", async () => {
  for (let round = 0; round < 3; round++) {
    await Promise.all(Array.from({ length: 64 }, (_, id) => client(id, round)));
  }
});

test("a stream is visible to other clients as soon as its creation is acknowledged", async () => {
  const url = `${server.url}/v1/stream/ryw-race`;
  const created = fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" });
  // Requests racing the creation either miss the stream entirely or see it whole.
  const racing = await Promise.all(
    Array.from({ length: 32 }, () => fetch(url).then(async (r) => [r.status, await r.text()])),
  );
  for (const [status, body] of racing) expect(status === 404 || (status === 200 && body === "x")).toBe(true);
  expect((await created).status).toBe(201);
  const after = await Promise.all(Array.from({ length: 32 }, () => fetch(url).then((r) => r.status)));
  expect(after.every((status) => status === 200)).toBe(true);
});
