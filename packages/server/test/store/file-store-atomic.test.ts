/**
 * Atomic appends in the file store, where the contract cannot look: a unit is one log batch,
 * so recovery keeps it whole or cuts it whole, and a failure on one of its streams fails all
 * of it while the rest of the group commit goes on.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppendRecord, FileStore, type FileStoreOptions, type StreamMeta } from "@rivulet/server";
import { afterEach, beforeEach, expect, test } from "vitest";
import { type CrashableIo, crashableIo } from "./crashable-io.js";
import { faultyIo } from "./faulty-io.js";

let dir: string;
let opened: CrashableIo[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-atomic-"));
});
afterEach(async () => {
  await Promise.all(opened.map((io) => io.crash()));
  opened = [];
  await rm(dir, { recursive: true, force: true });
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
const record = (position: number, data: string): AppendRecord => ({
  position,
  data: bytes(data),
  producer: undefined,
  streamSeq: undefined,
  close: false,
  ts: 1,
  messages: 1,
});

/** Opens a store on `dir` after crashing the previous one (never closing cleanly is how these tests crash). */
async function openStore(options: Partial<FileStoreOptions> = {}): Promise<FileStore> {
  await Promise.all(opened.map((previous) => previous.crash()));
  const io = crashableIo(options.io);
  opened.push(io);
  const store = new FileStore({ dir, ...options, io, onFatal: () => {} });
  await store.open();
  return store;
}

async function contents(store: FileStore, path: string): Promise<string> {
  const stored = await store.lookup(path);
  return text(await store.read(path, 0, stored!.tail));
}

async function newestSegment(): Promise<string> {
  const names = (await readdir(join(dir, "wal"))).sort();
  return join(dir, "wal", names.at(-1)!);
}

/** Offsets of the batch frames in a log segment and their records (16-byte header, 20-byte batch frames). */
function lastBatch(segment: Buffer): { offset: number; end: number; records: number[] } {
  let at = 16;
  let last = { offset: 0, end: 0, records: [] as number[] };
  while (at + 20 <= segment.length && segment.readUInt32BE(at) === 0x52564231) {
    const count = segment.readUInt32BE(at + 4);
    const end = at + 20 + segment.readUInt32BE(at + 8);
    const records: number[] = [];
    for (let r = at + 20; records.length < count; r += 8 + segment.readUInt32BE(r)) records.push(r);
    last = { offset: at, end, records };
    at = end;
  }
  return last;
}

async function unitThenDamage(damage: (segment: Buffer, batch: ReturnType<typeof lastBatch>) => void) {
  const store = await openStore();
  await store.create(meta("/a"), record(0, "keep-a"));
  await store.create(meta("/b"), record(0, "keep-b"));
  await store.appendAtomic([
    { path: "/a", record: record(6, "+unit-a") },
    { path: "/b", record: record(6, "+unit-b") },
  ]);
  expect(await contents(store, "/a")).toBe("keep-a+unit-a");
  const file = await newestSegment();
  const segment = await readFile(file);
  const batch = lastBatch(segment);
  // The unit is the last batch, and it holds both records.
  expect(batch.records).toHaveLength(2);
  damage(segment, batch);
  await writeFile(file, segment);
  return openStore();
}

test("a unit torn at its end is cut whole: its first stream loses its part too", async () => {
  const again = await unitThenDamage((segment, batch) => segment.fill(0, batch.end - 3, batch.end));
  expect(await contents(again, "/a")).toBe("keep-a");
  expect(await contents(again, "/b")).toBe("keep-b");
  // Both streams go on from where they were.
  await again.appendAtomic([
    { path: "/a", record: record(6, "+next") },
    { path: "/b", record: record(6, "+next") },
  ]);
  const third = await openStore();
  expect(await contents(third, "/a")).toBe("keep-a+next");
  expect(await contents(third, "/b")).toBe("keep-b+next");
});

test("a unit whose first record reached the disk damaged is cut whole, though its second is intact", async () => {
  const again = await unitThenDamage((segment, batch) => {
    const first = batch.records[0]!;
    segment[first + 12] = segment[first + 12]! ^ 0x20;
  });
  expect(await contents(again, "/a")).toBe("keep-a");
  expect(await contents(again, "/b")).toBe("keep-b");
});

test("a failed data-file write on one stream fails the whole unit; a plain append in the same commit is written", async () => {
  const io = faultyIo();
  const store = await openStore({ io });
  await store.create(meta("/a"), record(0, "a0"));
  await store.create(meta("/b"), record(0, "b0-marker"));
  await store.create(meta("/c"), record(0, "c0"));
  const files = await readdir(join(dir, "streams"));
  const names = await Promise.all(
    files.map(async (name) => ({ name, data: (await readFile(join(dir, "streams", name))).toString() })),
  );
  const bFile = names.find((file) => file.data.includes("b0-marker") && file.name.endsWith(".data"))!.name;
  io.failWrites = { match: new RegExp(`/${bFile.replace(".", "\\.")}$`), code: "EIO" };
  // Submitted together, so they share one group commit.
  const unit = store.appendAtomic([
    { path: "/a", record: record(2, "+unit") },
    { path: "/b", record: record(9, "+unit") },
  ]);
  const plain = store.append("/c", record(2, "+plain"));
  await expect(unit).rejects.toThrow(/EIO/);
  await plain;
  io.failWrites = undefined;
  expect(await contents(store, "/a")).toBe("a0");
  expect(await contents(store, "/b")).toBe("b0-marker");
  expect(await contents(store, "/c")).toBe("c0+plain");
  // Nothing of the unit was accepted: both streams take appends at their old tails.
  await store.append("/a", record(2, "+a"));
  await store.append("/b", record(9, "+b"));
  const again = await openStore();
  expect(await contents(again, "/a")).toBe("a0+a");
  expect(await contents(again, "/b")).toBe("b0-marker+b");
  expect(await contents(again, "/c")).toBe("c0+plain");
});

test("a unit queued behind a failed append on one of its streams fails whole; its other stream goes on", async () => {
  const io = faultyIo();
  const store = await openStore({ io });
  await store.create(meta("/a"), record(0, "a0"));
  await store.create(meta("/b"), record(0, "b0-marker"));
  const files = await readdir(join(dir, "streams"));
  const names = await Promise.all(
    files.map(async (name) => ({ name, data: (await readFile(join(dir, "streams", name))).toString() })),
  );
  const bFile = names.find((file) => file.data.includes("b0-marker") && file.name.endsWith(".data"))!.name;
  io.failWrites = { match: new RegExp(`/${bFile.replace(".", "\\.")}$`), code: "EIO" };
  const first = store.append("/b", record(9, "+first"));
  // Queued while the first commit runs: the next batch finds /b failed.
  const unit = store.appendAtomic([
    { path: "/a", record: record(2, "+unit") },
    { path: "/b", record: record(15, "+unit") },
  ]);
  await expect(first).rejects.toThrow(/EIO/);
  io.failWrites = undefined;
  await expect(unit).rejects.toThrow();
  expect(await contents(store, "/a")).toBe("a0");
  await store.append("/a", record(2, "+after"));
  await store.append("/b", record(9, "+after"));
  expect(await contents(store, "/a")).toBe("a0+after");
  expect(await contents(store, "/b")).toBe("b0-marker+after");
});
