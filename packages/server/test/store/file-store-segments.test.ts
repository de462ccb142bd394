/**
 * The file store's segments (docs/storage.md, "Segments"): a stream's data, checksum and index
 * files are cut at fixed positions; a trim deletes the files of the segments wholly below the
 * new earliest position once the trim is durable, and a crash at any point of it leaves a
 * consistent stream: the trim is all there (and the next open deletes what is left) or not
 * at all.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppendRecord, FileStore, StoreTrimmedError, type StreamMeta } from "@rivulet/server";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { faultyIo } from "./faulty-io.js";

const UNIT = 32 * 1024;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-segments-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const meta: StreamMeta = {
  path: "/s",
  contentType: "application/octet-stream",
  lifetime: {},
  createdAt: 0,
  retention: {},
};
const record = (position: number, length: number, fill: number): AppendRecord => ({
  position,
  data: new Uint8Array(length).fill(fill),
  producer: undefined,
  streamSeq: undefined,
  close: false,
  ts: 1000 + fill,
  messages: 1,
});

async function filled(store: FileStore): Promise<void> {
  await store.create(meta, record(0, 30_000, 0));
  for (let i = 1; i < 5; i++) await store.append("/s", record(i * 30_000, 30_000, i)); // 150,000 bytes
}

const files = async () => (await readdir(join(dir, "streams"))).sort();

describe("segments", () => {
  test("data, checksums and index are cut at the segment size; a trim deletes whole segments below it", async () => {
    const writer = new FileStore({ dir, segmentBytes: UNIT });
    await writer.open();
    await filled(writer);
    // Checksums of full blocks are written behind the appends; closing writes the last ones.
    await writer.close();
    const store = new FileStore({ dir, segmentBytes: UNIT });
    await store.open();
    // Appends start at 0, 30,000, … 120,000: no index entry and no full block in the last segment yet.
    expect(await files()).toEqual(
      [
        "1.crc",
        "1.data",
        "1.idx",
        "1.32768.crc",
        "1.32768.data",
        "1.32768.idx",
        "1.65536.crc",
        "1.65536.data",
        "1.65536.idx",
        "1.98304.crc",
        "1.98304.data",
        "1.98304.idx",
        "1.131072.data",
      ].sort(),
    );
    await store.trim("/s", 90_000);
    expect(await files()).toEqual(
      [
        "1.131072.data",
        "1.65536.crc",
        "1.65536.data",
        "1.65536.idx",
        "1.98304.crc",
        "1.98304.data",
        "1.98304.idx",
      ].sort(),
    );
    expect((await store.read("/s", 90_000, 150_000)).every((b, i) => b === Math.floor((90_000 + i) / 30_000))).toBe(
      true,
    );
    await expect(store.read("/s", 89_999, 90_000)).rejects.toBeInstanceOf(StoreTrimmedError);
    await store.close();
  });

  test("a crash after the trim is durable but before its files are deleted: the next open deletes them", async () => {
    const io = faultyIo();
    const store = new FileStore({ dir, segmentBytes: UNIT, io });
    await store.open();
    await filled(store);
    const unlink = io.unlink;
    io.unlink = async (path) => {
      if (path.includes("streams")) throw Object.assign(new Error("EIO: injected"), { code: "EIO" });
      return unlink(path);
    };
    await store.trim("/s", 90_000);
    expect(await files()).toContain("1.data");
    await store.simulateCrash();
    const again = new FileStore({ dir, segmentBytes: UNIT });
    await again.open();
    expect(await files()).not.toContain("1.data");
    expect(await files()).not.toContain("1.32768.data");
    expect(await again.lookup("/s")).toMatchObject({ earliest: 90_000, tail: 150_000, nextSeq: 5 });
    expect((await again.read("/s", 90_000, 150_000)).length).toBe(60_000);
    expect(await again.seek("/s", { position: 0 }, 10)).toEqual([
      { position: 90_000, seq: 3, ts: 1003 },
      { position: 120_000, seq: 4, ts: 1004 },
    ]);
    await again.close();
  });

  test("a crash before the trim is durable changes nothing", async () => {
    const io = faultyIo();
    const store = new FileStore({ dir, segmentBytes: UNIT, io });
    await store.open();
    await filled(store);
    io.failWrites = { match: /\.wal$/, code: "ENOSPC" };
    await expect(store.trim("/s", 90_000)).rejects.toMatchObject({ code: "INSUFFICIENT_STORAGE" });
    expect((await store.lookup("/s"))?.earliest).toBe(0);
    await store.simulateCrash();
    const again = new FileStore({ dir, segmentBytes: UNIT });
    await again.open();
    expect((await again.lookup("/s"))?.earliest).toBe(0);
    expect((await again.read("/s", 0, 150_000)).length).toBe(150_000);
    await again.close();
  });

  test("a restart with another segment size after a crash: the replayed streams' files follow the new size", async () => {
    const store = new FileStore({ dir, segmentBytes: UNIT });
    await store.open();
    await filled(store);
    await store.trim("/s", 60_000);
    await store.simulateCrash();
    // Nothing was checkpointed: recovery rewrites the stream from the log in the layout it opens with.
    const again = new FileStore({ dir, segmentBytes: 2 * UNIT });
    await again.open();
    // Segment 0 now ends at 65,536, past the earliest position (60,000): it stays.
    expect(await files()).toEqual(
      ["1.crc", "1.data", "1.idx", "1.65536.crc", "1.65536.data", "1.65536.idx", "1.131072.data"].sort(),
    );
    const data = await again.read("/s", 60_000, 150_000);
    expect([...[0, 29_999, 30_000, 89_999].map((i) => data[i])]).toEqual([2, 2, 3, 4]);
    expect(await again.seek("/s", { ts: 1003 }, 1)).toEqual([{ position: 90_000, seq: 3, ts: 1003 }]);
    await again.append("/s", record(150_000, 30_000, 5));
    await again.close();
    const third = new FileStore({ dir, segmentBytes: UNIT });
    await third.open();
    expect((await third.read("/s", 60_000, 180_000)).length).toBe(120_000);
    await third.close();
  });
});
