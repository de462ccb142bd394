/**
 * A compression that fails on the thread pool costs the compression, not the reply: the
 * client gets the body uncompressed, and the next reply of the same body tries again.
 */
import { get } from "node:http";
import { type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { BASE } from "./helpers.js";

const failures = vi.hoisted(() => ({ left: 0 }));

vi.mock("node:zlib", async (importOriginal) => {
  const zlib = await importOriginal<typeof import("node:zlib")>();
  const brotliCompress = (input: Uint8Array, options: object, done: (error: Error | null, out?: Buffer) => void) => {
    if (failures.left > 0) {
      failures.left--;
      setImmediate(() => done(new Error("zlib: out of memory")));
    } else zlib.brotliCompress(input, options, done);
  };
  return { ...zlib, default: { ...zlib, brotliCompress }, brotliCompress };
});

const { brotliDecompressSync } = await vi.importActual<typeof import("node:zlib")>("node:zlib");

let server: RivuletServer;
const path = `${BASE}/compress-fails`;
// Past the in-place limit, so it is compressed on the thread pool.
const messages = Array.from({ length: 1000 }, (_, i) => ({ i, text: "the same words again" }));

beforeAll(async () => {
  server = await startServer({ port: 0 });
  const created = await fetch(`${server.url}${path}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(messages),
  });
  expect(created.status).toBe(201);
});
afterAll(() => server.close());

function read(): Promise<{ status: number; encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(`${server.url}${path}?offset=-1`, { headers: { "accept-encoding": "br" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode!,
          encoding: res.headers["content-encoding"],
          body: Buffer.concat(chunks),
        }),
      );
    }).on("error", reject);
  });
}

test("a failed compression answers the body uncompressed; the next read is compressed", async () => {
  failures.left = 1;
  const first = await read();
  expect(failures.left).toBe(0);
  expect(first.status).toBe(200);
  expect(first.encoding).toBeUndefined();
  expect(JSON.parse(first.body.toString())).toEqual(messages);

  const second = await read();
  expect(second.encoding).toBe("br");
  expect(JSON.parse(brotliDecompressSync(second.body).toString())).toEqual(messages);
});
