/**
 * Reads ahead (store/file/read-ahead.ts): the file store reads a catch-up reader's next chunk
 * before it is asked for; the read of exactly that range takes it, once. Bytes that compaction
 * rewrote or retention removed meanwhile are never served from it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AppendRecord,
  Engine,
  type FileIo,
  FileStore,
  nodeIo,
  StoreTrimmedError,
  type StreamMeta,
} from "@rivulet/server";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { readChunk } from "../../src/engine/reader.js";
import { readRecords } from "../../src/engine/records.js";
import { takeFramed } from "../../src/engine/records-ahead.js";
import type { Entry } from "../../src/store/file/catalog.js";
import { MAX_HELD, ReadAhead, STALE_MS } from "../../src/store/file/read-ahead.js";

const BLOCK = 32 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe("ReadAhead", () => {
  const entry = {} as Entry;
  const other = {} as Entry;
  const bytes = (text: string) => () => Promise.resolve(encoder.encode(text));

  test("a held read is handed out once, for exactly its stream and range", async () => {
    const ahead = new ReadAhead();
    ahead.begin(entry, 0, 5, bytes("hello"));
    expect(ahead.take(other, 0, 5)).toBeUndefined();
    expect(ahead.take(entry, 0, 4)).toBeUndefined();
    expect(ahead.take(entry, 1, 5)).toBeUndefined();
    expect(decoder.decode(await ahead.take(entry, 0, 5))).toBe("hello");
    expect(ahead.take(entry, 0, 5)).toBeUndefined();
  });

  test("beginning a range already held starts no second read", () => {
    const ahead = new ReadAhead();
    const read = vi.fn(bytes("x"));
    ahead.begin(entry, 0, 1, read);
    ahead.begin(entry, 0, 1, read);
    expect(read).toHaveBeenCalledTimes(1);
  });

  test("a failed read is taken as nothing (the taker reads again), never as an unhandled rejection", async () => {
    const ahead = new ReadAhead();
    ahead.begin(entry, 0, 1, () => Promise.reject(new Error("EIO")));
    expect(await ahead.take(entry, 0, 1)).toBeUndefined();
  });

  test("forgetting a stream drops its reads only", async () => {
    const ahead = new ReadAhead();
    ahead.begin(entry, 0, 1, bytes("a"));
    ahead.begin(other, 0, 1, bytes("b"));
    ahead.forget(entry);
    expect(ahead.take(entry, 0, 1)).toBeUndefined();
    expect(decoder.decode(await ahead.take(other, 0, 1))).toBe("b");
  });

  test("when every place is taken, no new read begins until a place frees or the oldest read goes stale", async () => {
    let now = 0;
    const ahead = new ReadAhead(() => now);
    for (let i = 0; i < MAX_HELD; i++) ahead.begin(entry, i, i + 1, bytes(String(i)));
    const read = vi.fn(bytes("new"));
    // Many readers at once: evicting a read its reader is about to take would read it twice.
    now = STALE_MS - 1;
    ahead.begin(entry, 100, 101, read);
    expect(read).not.toHaveBeenCalled();
    expect(decoder.decode(await ahead.take(entry, 0, 1))).toBe("0");
    ahead.begin(entry, 100, 101, read);
    expect(read).toHaveBeenCalledTimes(1);
    // Full again; the oldest held (begun at 0) is stale now and gives way to a new read.
    now = STALE_MS;
    ahead.begin(entry, 200, 201, read);
    expect(read).toHaveBeenCalledTimes(2);
    expect(ahead.take(entry, 1, 2)).toBeUndefined();
    expect(decoder.decode(await ahead.take(entry, 2, 3))).toBe("2");
    expect(decoder.decode(await ahead.take(entry, 200, 201))).toBe("new");
  });
});

describe("reads ahead in the file store", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "rivulet-read-ahead-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** File reads, counted as they complete; while `broken`, every read fails with EIO. */
  function faultyIo() {
    const state = { completed: 0, broken: false };
    const io: FileIo = {
      ...nodeIo,
      async read(handle, buffer, position) {
        if (state.broken) throw Object.assign(new Error("EIO: injected"), { code: "EIO" });
        const n = await nodeIo.read(handle, buffer, position);
        state.completed++;
        return n;
      },
    };
    return { io, state };
  }

  const meta = (contentType: string): StreamMeta => ({
    path: "/t",
    contentType,
    lifetime: {},
    createdAt: 0,
    retention: {},
  });

  /** `/t` holding `text` in appends of `appendBytes`, written by one store and closed. */
  async function written(
    text: string,
    appendBytes: number,
    contentType = "application/octet-stream",
    segmentBytes?: number,
  ) {
    const store = new FileStore({ dir, ...(segmentBytes ? { segmentBytes } : {}) });
    await store.open();
    await store.create(meta(contentType), undefined);
    for (let at = 0; at < text.length; at += appendBytes) {
      const data = encoder.encode(text.slice(at, at + appendBytes));
      const record: AppendRecord = {
        position: at,
        data,
        producer: undefined,
        streamSeq: undefined,
        close: false,
        ts: 1,
        messages: contentType === "application/json" ? data.filter((b) => b === 0x0a).length : 0,
      };
      await store.append("/t", record);
    }
    await store.close();
  }

  const sample = (length: number) =>
    Array.from({ length }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join("");

  test("the read of a range read ahead is answered from it, once; the next read of it goes to the files again", async () => {
    const text = sample(6 * BLOCK + 100);
    await written(text, BLOCK);
    const { io, state } = faultyIo();
    const store = new FileStore({ dir, io });
    await store.open();
    try {
      expect(decoder.decode(await store.read("/t", 0, 2 * BLOCK))).toBe(text.slice(0, 2 * BLOCK));
      // How many file reads one read of two whole blocks takes once the checksums are kept (slot-cache.ts).
      const before = state.completed;
      expect(decoder.decode(await store.read("/t", 0, 2 * BLOCK))).toBe(text.slice(0, 2 * BLOCK));
      const perRead = state.completed - before;
      store.readAhead("/t", 2 * BLOCK, 4 * BLOCK);
      await vi.waitFor(() => expect(state.completed - before).toBe(2 * perRead));
      // The files fail now: only bytes already read can answer.
      state.broken = true;
      expect(decoder.decode(await store.read("/t", 2 * BLOCK, 4 * BLOCK))).toBe(text.slice(2 * BLOCK, 4 * BLOCK));
      await expect(store.read("/t", 2 * BLOCK, 4 * BLOCK)).rejects.toThrow(/EIO/);
    } finally {
      state.broken = false;
      await store.close();
    }
  });

  test("a range read ahead and then trimmed away is 410, not the bytes read before the trim", async () => {
    const text = sample(4 * BLOCK);
    await written(text, BLOCK, "application/octet-stream", BLOCK);
    const { io, state } = faultyIo();
    const store = new FileStore({ dir, io, segmentBytes: BLOCK });
    await store.open();
    try {
      const before = state.completed;
      store.readAhead("/t", BLOCK, 2 * BLOCK);
      await vi.waitFor(() => expect(state.completed).toBeGreaterThan(before));
      await store.trim("/t", 3 * BLOCK);
      await expect(store.read("/t", BLOCK, 2 * BLOCK)).rejects.toBeInstanceOf(StoreTrimmedError);
    } finally {
      await store.close();
    }
  });

  test("a range read ahead and then compacted is read as compacted, never as it was", async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `${JSON.stringify({ k: i, pad: "p".repeat(300) })}\n`);
    const text = lines.join("");
    await written(text, 20 * lines[0]!.length, "application/json", BLOCK);
    const { io, state } = faultyIo();
    const store = new FileStore({ dir, io, segmentBytes: BLOCK });
    await store.open();
    try {
      const removed = { start: 0, end: lines[0]!.length };
      const before = state.completed;
      store.readAhead("/t", 0, BLOCK);
      await vi.waitFor(() => expect(state.completed).toBeGreaterThan(before));
      await store.compactUnit("/t", BLOCK, [removed]);
      const hole = `${" ".repeat(removed.end - 1)}\n`;
      expect(decoder.decode(await store.read("/t", 0, BLOCK))).toBe(hole + text.slice(removed.end, BLOCK));
    } finally {
      await store.close();
    }
  });
});

describe("JSON catch-up chunks", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "rivulet-read-ahead-json-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A file store that records the ranges read and read ahead. */
  class RecordingStore extends FileStore {
    readonly reads: Array<[number, number]> = [];
    readonly aheads: Array<[number, number]> = [];
    override read(path: string, start: number, end: number): Promise<Uint8Array> {
      this.reads.push([start, end]);
      return super.read(path, start, end);
    }
    override readAhead(path: string, start: number, end: number): void {
      this.aheads.push([start, end]);
      super.readAhead(path, start, end);
    }
  }

  /**
   * A JSON stream of 400 messages of about 100 bytes at `path`, written and closed, then opened
   * again: nothing is left in memory from the append, so every read goes to the store.
   */
  async function reopenedJsonStream(path: string) {
    const messages = Array.from({ length: 400 }, (_, i) => ({ i, pad: "m".repeat(90) }));
    const first = new FileStore({ dir });
    const writer = new Engine({ store: first });
    await writer.open();
    await writer.create(path, {
      contentType: "application/json",
      lifetime: {},
      retention: {},
      closed: false,
      body: encoder.encode(JSON.stringify(messages)),
      fork: undefined,
    });
    await first.close();
    const store = new RecordingStore({ dir });
    const engine = new Engine({ store });
    await engine.open();
    return { messages, store, engine };
  }

  test("a chunk past the start is one store read (its boundary byte with it), and the read ahead is the next chunk's read", async () => {
    const { messages, store, engine } = await reopenedJsonStream("/j");
    try {
      const stream = await engine.get("/j", false);
      const one = await readChunk(engine, stream, 0, 10_000, true);
      expect(store.reads).toEqual([[0, 10_000]]);
      expect(store.aheads).toEqual([[one.end - 1, one.end - 1 + 10_001]]);
      const two = await readChunk(engine, stream, one.end, 10_000, true);
      // One read, of the byte before the chunk and the chunk: exactly the range read ahead.
      expect(store.reads).toEqual([[0, 10_000], store.aheads[0]]);
      const got = [...one.parts, ...two.parts].map((part) => decoder.decode(part)).join("");
      const lines = got.split("\n").filter((line) => line !== "");
      expect(lines.map((line) => JSON.parse(line.replace(/,$/, "")))).toEqual(messages.slice(0, lines.length));
      // An offset inside a message is still refused.
      await expect(readChunk(engine, stream, one.end + 1, 10_000, true)).rejects.toMatchObject({
        code: "INVALID_OFFSET",
      });
    } finally {
      await store.close();
    }
  });

  test("records read ahead from where their records end, also when the limit stops short of the bytes read", async () => {
    const { messages, store, engine } = await reopenedJsonStream("/r");
    try {
      const stream = await engine.get("/r", false);
      // Ten records, far fewer than the 10,000 bytes read: the next request starts after them,
      // and those records are what was framed ahead (engine/records-ahead.ts).
      const one = await readRecords(engine, stream, 0, 10_000, 10, true);
      one.release();
      expect(one.count).toBe(10);
      const framed = await takeFramed(stream, one.end, 10);
      expect(framed?.start).toBe(one.end);
      expect(framed?.records.count).toBe(10);
      framed?.records.release();
      // A records read's only store read is its chunk (with the byte before it): its seqs are
      // counted back from an index entry inside it, not forward from the one before the start
      // (another read).
      const readsBefore = store.reads.length;
      const two = await readRecords(engine, stream, one.end, 10_000, 10_000, false);
      two.release();
      expect(store.reads.slice(readsBefore)).toEqual([[one.end - 1, one.end - 1 + 10_001]]);
      const records = JSON.parse(new TextDecoder().decode(two.body)) as { seq: number; value: { i: number } }[];
      expect(records[0]!.value.i).toBe(10);
      expect(records.length).toBeGreaterThan(50);
      expect(records.every((r) => r.seq === r.value.i)).toBe(true);
      // Chunks too small to hold an index entry take their seqs from the one before them.
      const seqs: number[] = [];
      for (let at = 0; seqs.length < messages.length; ) {
        const small = await readRecords(engine, stream, at, 700, 10_000);
        small.release();
        const got = JSON.parse(new TextDecoder().decode(small.body)) as { seq: number; value: { i: number } }[];
        for (const r of got) seqs.push(r.seq - r.value.i);
        at = small.end;
      }
      expect(seqs.every((difference) => difference === 0)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
