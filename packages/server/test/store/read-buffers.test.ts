/**
 * Pooled catch-up read buffers: a buffer is lent once, comes back only when its reply gives it
 * back, and replies that run side by side never see each other's bytes. (A reply gives its
 * buffers back on node:http's 'finish', once every byte is handed to the kernel; over loopback
 * the kernel takes tens of MiB at once, so a too-early give-back cannot be provoked here.)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine, FileStore, type RivuletServer, startServer } from "@rivulet/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readRecords } from "../../src/engine/records.js";
import {
  POOLED_READ_MIN_BYTES,
  READ_BUFFER_BYTES,
  releaseReadBuffers,
  takeReadBuffer,
} from "../../src/store/read-buffers.js";

const LARGE = POOLED_READ_MIN_BYTES;

describe("the read buffer pool", () => {
  test("a given-back buffer is lent again; one still lent never is; giving back twice returns it once", () => {
    const first = takeReadBuffer(LARGE);
    const second = takeReadBuffer(LARGE + 100);
    expect(first.buffer).not.toBe(second.buffer);
    expect(first.length).toBe(LARGE);
    releaseReadBuffers([first.subarray(10, 20), first.subarray(30)]);
    releaseReadBuffers([first]);
    const third = takeReadBuffer(READ_BUFFER_BYTES);
    expect(third.buffer).toBe(first.buffer);
    // The second release of `first` did not put it back a second time.
    expect(takeReadBuffer(LARGE).buffer).not.toBe(first.buffer);
    releaseReadBuffers([second, third, new Uint8Array(8)]);
  });

  test("a small read gets a buffer of its own size, never a pooled one (live readers read a few bytes)", () => {
    const large = takeReadBuffer(LARGE);
    releaseReadBuffers([large]);
    const small = takeReadBuffer(LARGE - 1);
    expect(small.length).toBe(LARGE - 1);
    expect(small.buffer).not.toBe(large.buffer);
    expect(small.buffer.byteLength).toBeLessThan(READ_BUFFER_BYTES);
    // Giving a small one back is harmless, and the idle pooled buffer is still there for a large read.
    releaseReadBuffers([small]);
    expect(takeReadBuffer(LARGE).buffer).toBe(large.buffer);
  });

  test("reads larger than a pooled buffer are refused by the pool", () => {
    expect(() => takeReadBuffer(READ_BUFFER_BYTES + 1)).toThrow(RangeError);
  });
});

describe("records reads through the pool", () => {
  test("a records read gives back the buffer it read into once its body is built", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rivulet-records-pool-"));
    const stores: FileStore[] = [];
    try {
      const messages = Array.from({ length: 2_000 }, (_, i) => ({ i, pad: "r".repeat(100) }));
      const first = new FileStore({ dir });
      const writer = new Engine({ store: first });
      await writer.open();
      await writer.create("/r", {
        contentType: "application/json",
        lifetime: {},
        retention: {},
        closed: false,
        body: new TextEncoder().encode(JSON.stringify(messages)),
        fork: undefined,
      });
      await first.close();
      // Reopened: nothing is left in memory from the append, so the read goes to disk.
      const store = new FileStore({ dir });
      const engine = new Engine({ store });
      await engine.open();
      stores.push(store);
      const stream = await engine.get("/r", false);
      expect(stream.tail).toBeGreaterThan(LARGE);
      // An idle pooled buffer on top of the pool: the read borrows this one.
      const idle = takeReadBuffer(LARGE);
      releaseReadBuffers([idle]);
      const chunk = await readRecords(engine, stream, 0, 1 << 20, 10_000);
      expect(JSON.parse(chunk.body.toString("utf8")).map((r: { value: unknown }) => r.value)).toEqual(messages);
      chunk.release();
      const next = takeReadBuffer(LARGE);
      // Compared by identity: a failing toBe would print two 1 MiB buffers.
      expect(next.buffer === idle.buffer).toBe(true);
      releaseReadBuffers([next]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("catch-up reads through the pool", () => {
  let dir: string;
  let server: RivuletServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rivulet-read-pool-"));
    // Chunks of 64 KiB, so each stream takes many reads and buffers go round many times.
    server = await startServer({ port: 0, store: new FileStore({ dir }), chunkBytes: 64 << 10 });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("concurrent readers of different streams each read exactly their own bytes", async () => {
    const streams = 6;
    const size = 600_000;
    const expected = new Map<string, Buffer>();
    for (let s = 0; s < streams; s++) {
      const body = Buffer.alloc(size, 0x41 + s);
      for (let i = 0; i < size; i += 997) body[i] = i % 251;
      const url = `${server.url}/v1/stream/pool-${s}`;
      expect(
        (await fetch(url, { method: "PUT", headers: { "content-type": "application/octet-stream" } })).status,
      ).toBe(201);
      for (let at = 0; at < size; at += 100_000) {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: body.subarray(at, at + 100_000),
        });
        expect(response.status).toBe(204);
      }
      expected.set(url, body);
    }
    const readAll = async (url: string): Promise<Buffer> => {
      const parts: Buffer[] = [];
      let offset = "-1";
      for (;;) {
        const response = await fetch(`${url}?offset=${offset}`);
        expect(response.status).toBe(200);
        parts.push(Buffer.from(await response.arrayBuffer()));
        offset = response.headers.get("stream-next-offset")!;
        if (response.headers.get("stream-up-to-date") === "true") return Buffer.concat(parts);
      }
    };
    const rounds = await Promise.all([...expected.keys(), ...expected.keys()].map(readAll));
    [...expected.values(), ...expected.values()].forEach((body, i) => {
      expect(rounds[i]!.equals(body)).toBe(true);
    });
  });
});
