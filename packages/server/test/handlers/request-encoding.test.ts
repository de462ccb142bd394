/**
 * Compressed request bodies: `Content-Encoding: gzip` on appends (and every other body) is
 * decoded before the body is read, held to the body limit once decoded; other codings are 415.
 * Through both adapters: the fetch one here, node:http against a real listener.
 */

import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import { createNodeHandler, ProtocolApp } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BASE, expectError, startApp, type TestApp } from "./helpers.js";

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ maxBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await t.close();
});

const gzip = (text: string) => gzipSync(Buffer.from(text));

describe("compressed request bodies (fetch adapter)", () => {
  test("a gzip append is stored decoded; a gzip create body too", async () => {
    const path = t.path("gz");
    const created = await t.request(path, {
      method: "PUT",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzip('[{"n":1}]'),
    });
    expect(created.status).toBe(201);
    const appended = await t.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzip('[{"n":2},{"n":3}]'),
    });
    expect(appended.status).toBe(204);
    const read = await t.request(`${path}?offset=-1`);
    expect(await read.json()).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  test("identity and an explicit list of codings are accepted", async () => {
    const path = t.path("gz");
    await t.create(path, "text/plain");
    await t.append(path, "text/plain", "a", { "content-encoding": "identity" });
    await t.append(path, "text/plain", gzip("b"), { "content-encoding": "gzip, identity" });
    expect(await (await t.request(`${path}?offset=-1`)).text()).toBe("ab");
  });

  test("a body that decodes past the limit is 413, garbage is 400, other codings 415", async () => {
    const path = t.path("gz");
    await t.create(path, "text/plain");
    const bomb = gzipSync(Buffer.alloc(1 << 20, 0x61));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const post = (body: Uint8Array, encoding: string) =>
      t.request(path, {
        method: "POST",
        headers: { "content-type": "text/plain", "content-encoding": encoding },
        body,
      });
    await expectError(await post(bomb, "gzip"), 413, "PAYLOAD_TOO_LARGE");
    await expectError(await post(new TextEncoder().encode("not gzip"), "gzip"), 400, "BAD_REQUEST");
    const refused = await post(new TextEncoder().encode("x"), "br");
    await expectError(refused, 415, "UNSUPPORTED_CONTENT_ENCODING");
    expect(refused.headers.get("accept-encoding")).toBe("gzip");
    // Nothing was written.
    expect((await t.request(path, { method: "HEAD" })).headers.get("stream-next-offset")).toBe(
      "0000000000000000_0000000000000000",
    );
  });
});

describe("compressed request bodies (node:http adapter)", () => {
  test("a gzip append over a real connection", async () => {
    const app = new ProtocolApp({});
    await app.open();
    const server = createServer(createNodeHandler(app));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const url = `http://127.0.0.1:${port}${BASE}/gz-node`;
    try {
      expect((await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } })).status).toBe(201);
      const appended = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "content-encoding": "gzip" },
        body: gzip('[{"via":"node"}]'),
      });
      expect(appended.status).toBe(204);
      expect(await (await fetch(`${url}?offset=-1`)).json()).toEqual([{ via: "node" }]);
    } finally {
      server.close();
      await app.close();
    }
  });
});
