/**
 * File store behaviour the contract cannot see: crash recovery from the log, torn and
 * garbled tails, checkpoints, group commit, bounded open files, injected fsync failure and
 * full disks.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppendRecord, FileStore, StoreFullError, type StreamMeta } from "@rivulet/server";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { type CrashableIo, crashableIo } from "./crashable-io.js";
import { faultyIo } from "./faulty-io.js";
import { openAll } from "./open-all.js";

/** How long to wait for the store's background work (timers, checkpoints) on a busy machine. */
const WAIT = { timeout: 10_000 };

let dir: string;
/** The io of every store a test opened: each crashes before the next opens, and all at the end. */
let opened: CrashableIo[] = [];
/** Fatal errors of stores that had not crashed, from tests that did not ask for them. */
const unexpectedFatal: Error[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-recovery-"));
});
afterEach(async () => {
  await Promise.all(opened.map((io) => io.crash()));
  opened = [];
  await rm(dir, { recursive: true, force: true });
  expect(unexpectedFatal.splice(0)).toEqual([]);
});

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const meta = (path: string): StreamMeta => ({
  path,
  contentType: "text/plain",
  lifetime: {},
  createdAt: 0,
  retention: {},
});
const record = (position: number, data: string, extra: Partial<AppendRecord> = {}): AppendRecord => ({
  position,
  data: bytes(data),
  producer: undefined,
  streamSeq: undefined,
  close: false,
  ts: 1,
  messages: 1,
  ...extra,
});

/**
 * Opens a store on `dir`, after crashing the one opened before (its process dies: its files
 * are closed, nothing more it does reaches the disk). Never closing a store cleanly is how
 * these tests crash.
 */
async function openStore(options: Partial<ConstructorParameters<typeof FileStore>[0]> = {}) {
  await Promise.all(opened.map((previous) => previous.crash()));
  const io = crashableIo(options.io);
  opened.push(io);
  const onFatal = options.onFatal ?? ((error: Error) => unexpectedFatal.push(error));
  const store = new FileStore({
    dir,
    ...options,
    io,
    // A dead process reports nothing.
    onFatal: (error) => {
      if (!io.crashed) onFatal(error);
    },
  });
  const streams = await openAll(store);
  return { store, streams: new Map(streams.map((s) => [s.meta.path, s])) };
}

/** End of the last whole batch in a log segment: a 16-byte header, then batch frames (zeros past them). */
function recordsEnd(bytes: Buffer): number {
  let at = 16;
  while (at + 20 <= bytes.length && bytes.readUInt32BE(at) !== 0) at += 20 + bytes.readUInt32BE(at + 8);
  return at;
}

async function walFile(): Promise<string> {
  const names = (await readdir(join(dir, "wal"))).sort();
  return join(dir, "wal", names[names.length - 1]!);
}

describe("crash recovery", () => {
  test("acknowledged appends survive a crash without a clean close", async () => {
    const { store } = await openStore();
    await store.create(meta("/a"), record(0, "one "));
    await store.append("/a", record(4, "two ", { producer: { id: "p", epoch: 0, seq: 0 } }));
    await store.append("/a", record(8, "three", { producer: { id: "p", epoch: 0, seq: 1 } }));
    // crash: no close()
    const { store: again, streams } = await openStore();
    expect(streams.get("/a")!.tail).toBe(13);
    expect(streams.get("/a")!.producers.get("p")).toEqual({
      epoch: 0,
      lastSeq: 1,
      last: { end: 13, seq: 2, ts: 1, messages: 1 },
    });
    expect(text(await again.read("/a", 0, 13))).toBe("one two three");
  });

  test("a torn last record is cut off; earlier records stay and new appends follow them", async () => {
    const { store } = await openStore();
    await store.create(meta("/a"), record(0, "keep"));
    await store.append("/a", record(4, "-torn-record"));
    const wal = await walFile();
    // A torn write: the last record's final bytes never reached the disk.
    const content = await readFile(wal);
    content.fill(0, recordsEnd(content) - 3, recordsEnd(content));
    await writeFile(wal, content);

    const { store: again, streams } = await openStore();
    expect(streams.get("/a")!.tail).toBe(4);
    expect(text(await again.read("/a", 0, 4))).toBe("keep");
    await again.append("/a", record(4, "+next"));
    const { store: third, streams: after } = await openStore();
    expect(after.get("/a")!.tail).toBe(9);
    expect(text(await third.read("/a", 0, 9))).toBe("keep+next");
  });

  test("a garbled last record fails its checksum and is dropped, never served", async () => {
    const { store } = await openStore();
    await store.create(meta("/a"), record(0, "good"));
    await store.append("/a", record(4, "BAD!"));
    const wal = await walFile();
    const content = await readFile(wal);
    const end = recordsEnd(content);
    content.writeUInt8(content.readUInt8(end - 2) ^ 0xff, end - 2);
    await writeFile(wal, content);

    const { store: again, streams } = await openStore();
    expect(streams.get("/a")!.tail).toBe(4);
    await again.append("/a", record(4, "ok"));
    expect(text(await again.read("/a", 0, 6))).toBe("goodok");
  });

  test("after many checkpoints a crash loses nothing and old log segments are deleted", async () => {
    const { store } = await openStore({ checkpointBytes: 512 });
    await store.create(meta("/a"), undefined);
    let expected = "";
    for (let i = 0; i < 200; i++) {
      const piece = `${i},`;
      await store.append("/a", record(expected.length, piece));
      expected += piece;
    }
    const { store: again, streams } = await openStore();
    expect(streams.get("/a")!.tail).toBe(expected.length);
    expect(text(await again.read("/a", 0, expected.length))).toBe(expected);
    // Recovery keeps the replayed segments until a checkpoint has fsynced the data they hold;
    // then only the two newest checkpoints stay, and the log from the older one's boundary.
    await again.close();
    const checkpoints = (await readdir(dir)).filter((name) => /^checkpoint-\d{16}\.jsonl$/.test(name)).sort();
    // The directory named like a checkpoint newer than any is the tripwire for releases of format 2.
    expect(checkpoints.pop()).toBe("checkpoint-9999999999999999.jsonl");
    expect(checkpoints).toHaveLength(2);
    const olderBoundary = Number(/\d{16}/.exec(checkpoints[0]!)![0]);
    const segments = (await readdir(join(dir, "wal"))).map((name) => Number(name.slice(0, 16)));
    expect(Math.min(...segments)).toBe(olderBoundary);
    const { store: third } = await openStore();
    expect(text(await third.read("/a", 0, expected.length))).toBe(expected);
  });

  test("a crash with several log segments after the last checkpoint replays them all", async () => {
    const io = faultyIo();
    // The checkpoint never gets written, so the log keeps every segment since the start.
    const rename = io.rename;
    io.rename = (from, to) => (/checkpoint-\d+\.jsonl$/.test(to) ? new Promise<void>(() => {}) : rename(from, to));
    const { store } = await openStore({ io, checkpointBytes: 512 });
    await store.create(meta("/a"), undefined);
    let expected = "";
    for (let i = 0; i < 100; i++) {
      const piece = `${i},`;
      await store.append("/a", record(expected.length, piece));
      expected += piece;
    }
    expect((await readdir(join(dir, "wal"))).length).toBeGreaterThan(1);
    const { store: again, streams } = await openStore();
    expect(streams.get("/a")!.tail).toBe(expected.length);
    expect(text(await again.read("/a", 0, expected.length))).toBe(expected);
  });

  test("files of streams removed before a crash are deleted on recovery", async () => {
    const { store } = await openStore();
    await store.create(meta("/a"), record(0, "x"));
    for (const name of ["999.data", "999.crc", "999.idx", "999.65536.data"]) {
      await writeFile(join(dir, "streams", name), "orphan");
    }
    await openStore();
    expect((await readdir(join(dir, "streams"))).sort()).toEqual(["1.data", "1.idx"]);
    void store;
  });
});

describe("group commit and resources", () => {
  test("concurrent appends across many streams share fsyncs", async () => {
    const io = faultyIo();
    const { store } = await openStore({ io });
    const paths = Array.from({ length: 10 }, (_, i) => `/g/${i}`);
    await Promise.all(paths.map((p) => store.create(meta(p), undefined)));
    const before = io.syncs;
    await Promise.all(paths.flatMap((p) => Array.from({ length: 10 }, (_, n) => store.append(p, record(n, "x")))));
    // 100 appends; one fsync per commit, and commits batch whatever arrived meanwhile.
    expect(io.syncs - before).toBeLessThanOrEqual(3);
  });

  test("open data files stay bounded however many streams are used", async () => {
    const { store } = await openStore({ maxOpenFiles: 4 });
    for (let i = 0; i < 40; i++) await store.create(meta(`/f/${i}`), record(0, `stream ${i}`));
    for (let i = 0; i < 40; i++) {
      const expected = `stream ${i}`;
      expect(text(await store.read(`/f/${i}`, 0, expected.length))).toBe(expected);
    }
    expect(store.openFiles).toBeLessThanOrEqual(4);
  });
});

describe("failures", () => {
  test("a failed durable log write (EIO) stops the store: the append is not acknowledged and nothing more is", async () => {
    const io = faultyIo();
    const fatal: Error[] = [];
    const { store } = await openStore({ io, onFatal: (e) => fatal.push(e) });
    await store.create(meta("/a"), record(0, "before"));
    // In fsync mode the log is written O_DSYNC: an I/O error may be a failed sync.
    io.failWrites = { match: /\.wal$/, code: "EIO" };
    await expect(store.append("/a", record(6, "lost"))).rejects.toThrow(/log failed/);
    expect(fatal).toHaveLength(1);
    io.failWrites = undefined;
    await expect(store.append("/a", record(6, "again"))).rejects.toThrow();
  });

  test("a failed fsync in interval mode stops the store", async () => {
    const io = faultyIo();
    const fatal: Error[] = [];
    const { store } = await openStore({ io, durability: { intervalMs: 10 }, onFatal: (e) => fatal.push(e) });
    io.failSync = /\.wal$/;
    await store.create(meta("/a"), record(0, "x"));
    // The next tick of the 10 ms timer tries the fsync.
    await vi.waitFor(() => expect(fatal.map((e) => e.message)).toEqual(["fdatasync of the log failed"]), WAIT);
    await expect(store.append("/a", record(1, "y"))).rejects.toThrow(/fdatasync/);
  });

  test("a failed data-file fsync at checkpoint stops the store", async () => {
    const io = faultyIo();
    const fatal: Error[] = [];
    const { store } = await openStore({ io, checkpointBytes: 64, onFatal: (e) => fatal.push(e) });
    io.failSync = /\.data$/;
    await store.create(meta("/a"), record(0, "x".repeat(100)));
    await store.append("/a", record(100, "y")).catch(() => {});
    // The checkpoint runs in the background after the commit that crossed 64 bytes.
    await vi.waitFor(() => expect(fatal.map((e) => e.message)).toEqual(["Could not write a checkpoint"]), WAIT);
  });

  test("a full disk fails the append with StoreFullError, keeps reads working, and recovers when space returns", async () => {
    const io = faultyIo();
    const { store } = await openStore({ io });
    await store.create(meta("/a"), record(0, "safe"));
    io.failWrites = { match: /\.wal$/, code: "ENOSPC" };
    await expect(store.append("/a", record(4, "nope"))).rejects.toBeInstanceOf(StoreFullError);
    expect(text(await store.read("/a", 0, 4))).toBe("safe");
    io.failWrites = undefined;
    await store.append("/a", record(4, "+more"));
    expect(text(await store.read("/a", 0, 9))).toBe("safe+more");
    // Nothing of the failed append is in the log: a crash now recovers exactly what was acknowledged.
    const { store: again, streams } = await openStore();
    expect(streams.get("/a")!.tail).toBe(9);
    expect(text(await again.read("/a", 0, 9))).toBe("safe+more");
  });

  test("a full disk on a data file fails that stream's appends only", async () => {
    const io = faultyIo();
    const { store } = await openStore({ io });
    await store.create(meta("/a"), record(0, "a"));
    await store.create(meta("/b"), record(0, "b"));
    io.failWrites = { match: /1\.data$/, code: "ENOSPC" };
    const results = await Promise.allSettled([store.append("/a", record(1, "A")), store.append("/b", record(1, "B"))]);
    expect(results[0].status).toBe("rejected");
    expect(results[1].status).toBe("fulfilled");
    io.failWrites = undefined;
    await store.append("/a", record(1, "A"));
    const { store: again } = await openStore();
    expect(text(await again.read("/a", 0, 2))).toBe("aA");
    expect(text(await again.read("/b", 0, 2))).toBe("bB");
  });

  test("appends queued behind a failed one fail too, so no stream gets a gap", async () => {
    const io = faultyIo();
    const { store } = await openStore({ io });
    await store.create(meta("/a"), undefined);
    io.failWrites = { match: /\.wal$/, code: "ENOSPC" };
    const first = store.append("/a", record(0, "1"));
    const second = store.append("/a", record(1, "2"));
    await expect(first).rejects.toBeInstanceOf(StoreFullError);
    io.failWrites = undefined;
    await expect(second).rejects.toThrow();
    await store.append("/a", record(0, "x"));
    expect(text(await store.read("/a", 0, 1))).toBe("x");
  });
});

describe("interval durability", () => {
  test("acknowledges without waiting for fsync, and fsyncs the log on its timer", async () => {
    const io = faultyIo();
    let release: () => void = () => {};
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    const realSync = io.datasync;
    const { store } = await openStore({ io, durability: { intervalMs: 20 } });
    // From now on every fsync hangs: an fsync-mode store could acknowledge nothing.
    io.datasync = async (handle) => {
      io.syncs++;
      await stuck;
      return realSync(handle);
    };
    await store.create(meta("/a"), record(0, "fast"));
    await store.append("/a", record(4, "!"));
    expect(text(await store.read("/a", 0, 5))).toBe("fast!");
    // Acknowledged above with every fsync stuck; the 20 ms timer still gets to try one.
    await vi.waitFor(() => expect(io.syncs).toBeGreaterThan(0), WAIT);
    expect(store.durability).toMatch(/every 20 ms/);
    release();
  });
});
