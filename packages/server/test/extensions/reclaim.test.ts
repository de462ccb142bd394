/**
 * Retention in the background (docs/extensions.md): by size and by age, it frees whole units
 * from the head, the disk (or memory) they took is really returned, and readers before the
 * new earliest offset get 410 with it. A deleted source kept for its forks keeps only what
 * they read. On both stores, with an injected clock and a fast reclaimer tick; the tests wait
 * for the engine's `trimmed` events, never for time.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { formatOffset } from "@rivulet/protocol";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { expectError } from "../handlers/helpers.js";
import { appOn, json, STORES } from "./stores.js";

const BASE = "/v1/stream/";
const octets = "application/octet-stream";

async function bytesOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(join(dir, "streams"))) total += (await stat(join(dir, "streams", name))).size;
  return total;
}

for (const kind of STORES) {
  describe(`retention in the background (${kind.name} store)`, () => {
    let app: Awaited<ReturnType<typeof appOn>>;
    let now = 0;
    beforeEach(async () => {
      now = Date.UTC(2026, 10, 30);
      app = await appOn(kind, { clock: () => now, retentionIntervalMs: 5 });
    });
    afterEach(() => app.close());

    /** Resolves once the stream's earliest position is at least `position`. */
    const earliestReaches = (path: string, position: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if ((app.app.engine.inMemory(path)?.earliest ?? 0) >= position) {
            stop();
            resolve();
          }
        };
        const stop = app.app.engine.events.on("trimmed", check);
        check();
      });

    const fill = async (path: string, count: number, size = 20_000, spacingMs = 0) => {
      for (let i = 0; i < count; i++) {
        now += spacingMs;
        await app.append(path, octets, new Uint8Array(size).fill(i));
      }
    };

    test("by size: whole units go while at least the retained bytes remain, and the space is returned", async () => {
      const path = app.path();
      await app.create(path, octets);
      await fill(path, 10);
      const before = app.dir ? await bytesOnDisk(app.dir) : app.store.storedBytes!();
      const patched = await app.request(`${BASE}__ds/streams/${path.slice(BASE.length)}`, {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: JSON.stringify({ retention_bytes: 40_000 }),
      });
      expect(patched.status).toBe(200);
      // Keep ≥ 40,000 of 200,000 bytes: units (32 KiB) ending by 160,000 go; the first append
      // boundary after the last of them (131,072) is 140,000.
      await earliestReaches(path, 140_000);
      const head = await app.request(path, { method: "HEAD" });
      expect(head.headers.get("stream-earliest-offset")).toBe(formatOffset(140_000));
      const after = app.dir ? await bytesOnDisk(app.dir) : app.store.storedBytes!();
      expect(after).toBeLessThanOrEqual(before - 4 * 32 * 1024);
      const gone = await app.request(`${path}?offset=${formatOffset(0)}`);
      await expectError(gone, 410, "OFFSET_OUT_OF_RANGE");
      expect(gone.headers.get("stream-earliest-offset")).toBe(formatOffset(140_000));
      const rest = new Uint8Array(await (await app.request(`${path}?offset=-1`)).arrayBuffer());
      expect(rest.length).toBe(60_000);
      expect([rest[0], rest[59_999]]).toEqual([7, 9]);
      // Seqs are kept: the first retained record is the eighth append.
      const [first] = (await (await app.request(`${path}?offset=-1&view=records&limit=1`)).json()) as Array<{
        seq: number;
      }>;
      expect(first!.seq).toBe(7);
    });

    test("by age: messages older than the retention go once the clock passes them", async () => {
      const path = app.path();
      await app.create(path, octets, undefined, { "stream-retention-ms": "10000" });
      const t0 = now;
      await fill(path, 10, 20_000, 1000); // appended at t0 + 1 s … t0 + 10 s
      now = t0 + 10_000 + 6_500; // older than 10 s: the first six appends
      // The first message still kept is at 120,000; units ending by then: up to 98,304, whose
      // first append boundary after is 100,000.
      await earliestReaches(path, 100_000);
      expect(app.app.engine.inMemory(path)?.earliest).toBe(100_000);
      now = t0 + 60_000; // all of it is old, but the unit holding the tail stays
      await earliestReaches(path, 180_000);
      const head = await app.request(path, { method: "HEAD" });
      expect(head.headers.get("stream-earliest-offset")).toBe(formatOffset(180_000));
      expect(head.headers.get("stream-next-offset")).toBe(formatOffset(200_000));
    });

    test("internal streams keep everything under the server's retention, and no admin route reaches them", async () => {
      await app.close();
      app = await appOn(kind, { clock: () => now, retentionIntervalMs: 5, retentionBytes: 1 });
      const { engine } = app.app;
      const internal = `${BASE}__ds/feature/state`;
      const plain = app.path();
      for (const path of [internal, plain]) {
        await engine.create(path, {
          contentType: octets,
          lifetime: {},
          retention: {},
          closed: false,
          body: new Uint8Array(100_000),
          fork: undefined,
        });
        await engine.append(path, {
          body: new Uint8Array(100_000),
          hasBody: true,
          contentType: octets,
          close: false,
          streamSeq: undefined,
          producer: undefined,
        });
      }
      // The client stream is reclaimed down to its last unit; the internal one keeps all of it.
      await earliestReaches(plain, 100_000);
      const stream = engine.inMemory(internal)!;
      expect(engine.retentionOf(stream)).toEqual({});
      expect(await engine.retain(internal, 100)).toMatchObject({ freed: 0 });
      expect(stream.earliest).toBe(0);
      const named = internal.slice(BASE.length);
      await expectError(await app.request(`${BASE}__ds/streams/${named}`), 404, "STREAM_NOT_FOUND");
      const patch = await app.request(`${BASE}__ds/streams/${named}`, {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: JSON.stringify({ retention_bytes: 1 }),
      });
      await expectError(patch, 404, "STREAM_NOT_FOUND");
      const trim = await app.request(`${BASE}__ds/trim/${named}`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ offset: "now" }),
      });
      await expectError(trim, 404, "STREAM_NOT_FOUND");
      expect(stream.earliest).toBe(0);
    });

    test("a deleted source kept for its fork keeps only what the fork reads", async () => {
      const source = app.path("src");
      await app.create(source, octets);
      await fill(source, 10);
      const fork = app.path("fork");
      const made = await app.request(fork, {
        method: "PUT",
        headers: { "content-type": octets, "stream-forked-from": source, "stream-fork-offset": formatOffset(180_000) },
      });
      expect(made.status).toBe(201);
      const trimmed = await app.request(`${BASE}__ds/trim/${fork.slice(BASE.length)}`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ offset: formatOffset(100_000) }),
      });
      expect(await trimmed.json()).toMatchObject({ earliest_offset: formatOffset(100_000) });
      expect((await app.request(source, { method: "DELETE" })).status).toBe(204);
      // Units of the source ending by 100,000 go (the last at 98,304; next boundary 100,000).
      await earliestReaches(source, 100_000);
      const read = new Uint8Array(await (await app.request(`${fork}?offset=-1`)).arrayBuffer());
      expect(read.length).toBe(80_000);
      expect([read[0], read[79_999]]).toEqual([5, 8]);
    });
  });
}
