/**
 * Records-view bodies are built in reused buffers (engine/body-buffers.ts), given back once
 * node:http has written them. A body a client has not read yet must stay intact while other
 * records reads build theirs.
 */
import { createServer, get, type IncomingMessage, type Server } from "node:http";
import { createNodeHandler, ProtocolApp } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BASE } from "../handlers/helpers.js";

let app: ProtocolApp;
let server: Server;
let origin = "";

beforeAll(async () => {
  // Responses of about 5.5 MB: more than loopback's socket buffers take before the client reads.
  app = new ProtocolApp({ chunkBytes: 4 << 20 });
  await app.open();
  server = createServer(createNodeHandler(app));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await app.close();
});

/** A JSON stream of `count` messages `{"s":name,"i":i}` padded to about 420 bytes. */
async function fill(name: string, count: number): Promise<string> {
  const url = `${origin}${BASE}/${name}`;
  const pad = "p".repeat(400);
  const messages = Array.from({ length: count }, (_, i) => ({ s: name, i, pad }));
  expect((await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } })).status).toBe(201);
  const appended = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(messages),
  });
  expect(appended.status).toBe(204);
  return url;
}

function respond(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, resolve).on("error", reject));
}

async function text(res: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of res) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

describe("records bodies in reused buffers (node:http)", () => {
  test("a body the client reads late is whole and its own while other records reads run", async () => {
    const count = 9_000; // under the 10,000 records a response holds
    const slow = await fill("slow", count);
    const busy = await fill("busy", count);
    const held = await respond(`${slow}?offset=-1&view=records`);
    held.pause();
    for (let i = 0; i < 6; i++) {
      const records = JSON.parse(await text(await respond(`${busy}?offset=-1&view=records`)));
      expect(records).toHaveLength(count);
    }
    held.resume();
    const records = JSON.parse(await text(held)) as { value: { s: string; i: number } }[];
    expect(records.every((r, i) => r.value.s === "slow" && r.value.i === i)).toBe(true);
    expect(records).toHaveLength(count);
  });
});
