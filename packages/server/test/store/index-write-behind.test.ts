/**
 * Append-index entries written behind the answers (docs/storage.md, "Append index"): lookups
 * answer entries still waiting in memory, a checkpoint writes them before it counts them, a
 * crash loses none (recovery rewrites them from the log, and on a full disk keeps them waiting
 * instead of refusing to start), and a failed write behind is reported, retried and loses
 * nothing.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppendRecord, FileStore, type IndexEntry, type StreamMeta } from "@rivulet/server";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { faultyIo } from "./faulty-io.js";

const UNIT = 32 * 1024;
/** Nothing is written in the background: entries wait until a checkpoint (or a flush) writes them. */
const NEVER = { delayMs: 3_600_000, maxEntries: 1_000_000, retryMs: 3_600_000 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-index-behind-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const meta = (path: string): StreamMeta => ({
  path,
  contentType: "application/octet-stream",
  lifetime: {},
  createdAt: 0,
  fork: undefined,
  retention: {},
  inherited: undefined,
});
const record = (position: number, length: number, i: number): AppendRecord => ({
  position,
  data: new Uint8Array(length).fill(i & 0xff),
  producer: undefined,
  streamSeq: undefined,
  close: false,
  ts: 1000 + i,
  messages: 1,
});

/** `count` appends of `size` bytes; the index holds one entry per append. */
async function fill(store: FileStore, path: string, count: number, size: number): Promise<IndexEntry[]> {
  await store.create(meta(path), record(0, size, 0));
  for (let i = 1; i < count; i++) await store.append(path, record(i * size, size, i));
  return Array.from({ length: count }, (_, i) => ({ position: i * size, seq: i, ts: 1000 + i }));
}

/** What the store answers for every entry, by position and by time. */
async function lookups(store: FileStore, path: string, count: number) {
  return {
    all: await store.seek(path, { position: 0 }, count + 10),
    middle: await store.seek(path, { position: Math.floor(count / 2) * 1000 + 1 }, 3),
    byTime: await store.seek(path, { ts: 1000 + count - 2 }, 5),
  };
}

const indexBytes = (name: string) =>
  stat(join(dir, "streams", name)).then(
    (s) => s.size,
    () => 0,
  );

describe("index entries written behind the answers", () => {
  test("lookups answer entries still waiting in memory, across segments and fences; a clean close writes them", async () => {
    const store = new FileStore({ dir, segmentBytes: UNIT, indexWriteBehind: NEVER });
    await store.open();
    const segmented = await fill(store, "/seg", 100, 1000); // ~3 segments of 32 KiB
    const fenced = await fill(store, "/big", 600, 10); // one segment with fences (≥ 256 entries)
    expect(store.indexEntriesWaiting).toBe(700);
    expect(await indexBytes("1.idx")).toBe(0);
    expect((await lookups(store, "/seg", 100)).all).toEqual(segmented);
    expect((await store.seek("/big", { position: 0 }, 1000)).length).toBe(600);
    expect(await store.seek("/big", { position: 4321 }, 2)).toEqual(fenced.slice(432, 434));
    const before = await lookups(store, "/seg", 100);
    expect(before.middle).toEqual(segmented.slice(50, 53));
    expect(before.byTime).toEqual(segmented.slice(98, 100));

    // Half written, half waiting: lookups join the file and memory.
    await store.flushPending();
    expect(store.indexEntriesWaiting).toBe(0);
    for (let i = 600; i < 700; i++) await store.append("/big", record(i * 10, 10, i));
    expect(store.indexEntriesWaiting).toBe(100);
    const big = await store.seek("/big", { position: 5_950 }, 100);
    expect(big.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 595 + i));
    expect(await store.seek("/big", { ts: 1000 + 699 }, 5)).toEqual([{ position: 6_990, seq: 699, ts: 1699 }]);

    await store.close();
    expect(await indexBytes("2.idx")).toBe(700 * 32);
    const reopened = new FileStore({ dir, segmentBytes: UNIT });
    await reopened.open();
    expect(await lookups(reopened, "/seg", 100)).toEqual(before);
    expect((await reopened.seek("/big", { position: 0 }, 1000)).map((e) => e.seq)).toEqual([
      ...Array.from({ length: 700 }, (_, i) => i),
    ]);
    await reopened.close();
  });

  test("a crash with entries waiting loses none: recovery rewrites them from the log", async () => {
    const store = new FileStore({ dir, segmentBytes: UNIT, indexWriteBehind: NEVER });
    await store.open();
    const expected = await fill(store, "/s", 100, 1000);
    expect(store.indexEntriesWaiting).toBe(100);
    await store.simulateCrash();
    expect(await indexBytes("1.idx")).toBe(0);

    const recovered = new FileStore({ dir, segmentBytes: UNIT, indexWriteBehind: NEVER });
    await recovered.open();
    expect(recovered.indexEntriesWaiting).toBe(0);
    expect(await indexBytes("1.idx")).toBeGreaterThan(0);
    expect((await lookups(recovered, "/s", 100)).all).toEqual(expected);
    await recovered.close();
  });

  test("recovery on a full disk keeps the entries it cannot write waiting, and starts", async () => {
    const store = new FileStore({ dir, segmentBytes: UNIT, indexWriteBehind: NEVER });
    await store.open();
    const expected = await fill(store, "/s", 100, 1000);
    await store.simulateCrash();

    const io = faultyIo();
    io.failWrites = { match: /\.idx$/, code: "ENOSPC" };
    const full = new FileStore({ dir, segmentBytes: UNIT, io, indexWriteBehind: NEVER });
    await full.open();
    expect(full.indexEntriesWaiting).toBe(100);
    expect((await lookups(full, "/s", 100)).all).toEqual(expected);
    expect(full.health().ready).toBe(false); // the disk is full (free space reads 0)
    await expect(full.flushPending()).rejects.toMatchObject({ code: "ENOSPC" });

    // Space again: the next checkpoint (a clean close) writes them before counting them.
    io.failWrites = undefined;
    await full.close();
    expect(await indexBytes("1.idx")).toBeGreaterThan(0);
    const reopened = new FileStore({ dir, segmentBytes: UNIT, indexWriteBehind: NEVER });
    await reopened.open();
    expect(reopened.indexEntriesWaiting).toBe(0);
    expect((await lookups(reopened, "/s", 100)).all).toEqual(expected);
    await reopened.close();
  });

  test("failed writes behind are reported, retried and lose nothing; readiness says so while they persist", async () => {
    const io = faultyIo();
    const store = new FileStore({ dir, io, indexWriteBehind: { delayMs: 0, maxEntries: 1000, retryMs: 1 } });
    await store.open();
    const reported: number[] = [];
    let thirdFailure!: () => void;
    const failedThrice = new Promise<void>((resolve) => {
      thirdFailure = resolve;
    });
    store.observe({
      commit: () => {},
      deferredWriteError: (error, failures) => {
        expect((error as NodeJS.ErrnoException).code).toBe("EMFILE");
        reported.push(failures);
        if (failures === 3) thirdFailure();
      },
    });
    io.failWrites = { match: /\.idx$/, code: "EMFILE" };
    const expected = await fill(store, "/s", 20, 100);
    await failedThrice;
    expect(reported.slice(0, 3)).toEqual([1, 2, 3]);
    expect(store.health()).toMatchObject({ ready: false, detail: expect.stringContaining("index entries") });
    expect(store.indexEntriesWaiting).toBe(20);
    expect(await store.seek("/s", { position: 0 }, 50)).toEqual(expected);

    io.failWrites = undefined;
    await store.flushPending();
    expect(store.indexEntriesWaiting).toBe(0);
    expect(store.health().ready).toBe(true);
    expect(await indexBytes("1.idx")).toBe(20 * 32);
    expect(await store.seek("/s", { position: 0 }, 50)).toEqual(expected);
    await store.close();
  });

  test("a checkpoint waits for the entries it would count: while they cannot be written, it is postponed", async () => {
    const io = faultyIo();
    const store = new FileStore({ dir, io, checkpointBytes: 4096, indexWriteBehind: NEVER });
    await store.open();
    io.failWrites = { match: /\.idx$/, code: "EIO" };
    const expected = await fill(store, "/s", 50, 200); // > 4 KiB of log: checkpoints fall due
    await store.close(); // its checkpoint fails too: the log keeps everything
    io.failWrites = undefined;
    const reopened = new FileStore({ dir, io });
    await reopened.open();
    expect(await reopened.seek("/s", { position: 0 }, 100)).toEqual(expected);
    await reopened.close();
  });
});
