/**
 * Records framed ahead for a reader catching up (engine/records-ahead.ts), on both stores: a
 * catch-up answers exactly what reads made without them answer, and a chunk framed ahead is
 * never served once it differs from what a read made now would give — the tail moved past a
 * read that had reached it, another `limit`, compaction removed messages from it, retention
 * passed its start — while the flags that depend on the tail are decided when it is taken.
 */
import { Engine } from "@rivulet/server";
import { afterEach, describe, expect, test } from "vitest";
import { type RecordsChunk, readRecords } from "../../src/engine/records.js";
import { forgetFramed, takeFramed } from "../../src/engine/records-ahead.js";
import type { StreamState } from "../../src/engine/stream-state.js";
import { unitStores } from "../support/unit-stores.js";

const UNIT = 32 * 1024;
const CHUNK = 4096;
const LIMIT = 10_000;
const opened: Engine[] = [];
afterEach(async () => {
  forgetFramed();
  for (const engine of opened.splice(0)) await engine.store.close();
});
const stores = unitStores(UNIT, "rivulet-records-ahead-");

interface RecordView {
  offset: string;
  seq: number;
  value: { key: string | null; value: unknown };
}

const PATH = "/r/0";
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

async function setup(kind: string) {
  let clock = 1_000_000;
  const engine = new Engine({ store: await stores[kind]!(), now: () => clock });
  await engine.open();
  opened.push(engine);
  await createJsonStream(engine, PATH);
  return {
    engine,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

/** An empty JSON stream at `path`, a fork of `source`'s whole stream when one is given. */
async function createJsonStream(engine: Engine, path: string, source?: string) {
  await engine.create(path, {
    contentType: "application/json",
    lifetime: {},
    retention: {},
    closed: false,
    body: new Uint8Array(0),
    fork: source === undefined ? undefined : { source, offset: undefined, subOffset: 0 },
  });
}

/** Appends `count` keyed messages of about 200 bytes each, keys cycling through `keys`. */
async function append(engine: Engine, count: number, keys = 1_000_000) {
  const stream = await engine.get(PATH, false);
  const first = stream.nextSeq;
  const batch = Array.from({ length: count }, (_, i) => ({
    key: `k${(first + i) % keys}`,
    value: { n: first + i, pad: "x".repeat(160) },
    headers: {},
    ts: first + i,
  }));
  await engine.append(PATH, {
    body: encode(batch),
    hasBody: true,
    contentType: "application/json",
    close: false,
    streamSeq: undefined,
    producer: undefined,
  });
}

const parse = (chunk: RecordsChunk) => JSON.parse(chunk.body.toString("utf8")) as RecordView[];

/** Reads from `start` to the tail, each chunk released once parsed. */
async function catchUp(engine: Engine, stream: StreamState, start: number, ahead: boolean, limit = LIMIT) {
  const chunks: Array<{ records: RecordView[]; end: number; upToDate: boolean }> = [];
  let at = start;
  while (at < stream.tail) {
    const chunk = await readRecords(engine, stream, at, CHUNK, limit, ahead);
    chunks.push({ records: parse(chunk), end: chunk.end, upToDate: chunk.upToDate });
    chunk.release();
    at = chunk.end;
  }
  return chunks;
}

/**
 * A read that frames ahead, its body released at once (which lets the next chunks be framed):
 * where it ended and how many records it held.
 */
async function readAhead(engine: Engine, stream: StreamState, start: number) {
  const chunk = await readRecords(engine, stream, start, CHUNK, LIMIT, true);
  const count = parse(chunk).length;
  chunk.release();
  return { end: chunk.end, count };
}

/** Waits until the chunk framed ahead from `start` is done, and puts it back by reading it. */
async function framedAhead(stream: StreamState, start: number, limit = LIMIT) {
  const framed = await takeFramed(stream, start, limit);
  framed?.records.release();
  return framed;
}

/**
 * Has `reader`'s second chunk framed ahead, compacts PATH (which `reader` is or forks), then
 * reads that chunk: it must be what a read made after the compaction answers.
 */
async function readAcrossCompaction(engine: Engine, advance: (ms: number) => void, reader: StreamState) {
  const first = await readAhead(engine, reader, reader.earliest);
  expect(await framedAhead(reader, first.end)).toBeDefined();
  await readAhead(engine, reader, reader.earliest); // frames the second chunk ahead once more, before compaction
  advance(10);
  const pass = await engine.compaction(PATH, { deleteRetentionMs: 1000, maxKeys: 1000 });
  let freed = 0;
  for (let done = false; !done; ) {
    const progress = await pass!.step(64 * 1024);
    freed += progress.bytesFreed;
    done = progress.done;
  }
  expect(freed).toBeGreaterThan(0);
  const second = await readRecords(engine, reader, first.end, CHUNK, LIMIT, true);
  const expected = await readRecords(engine, reader, first.end, CHUNK, LIMIT, false);
  expect(parse(second)).toEqual(parse(expected));
}

for (const kind of Object.keys(stores)) {
  describe(`records framed ahead: ${kind}`, () => {
    test("a catch-up reading ahead answers chunk for chunk what one without it answers", async () => {
      const { engine } = await setup(kind);
      await append(engine, 300);
      const stream = await engine.get(PATH, false);
      const plain = await catchUp(engine, stream, stream.earliest, false);
      const ahead = await catchUp(engine, stream, stream.earliest, true);
      expect(plain.length).toBeGreaterThan(5);
      expect(ahead).toEqual(plain);
      expect(ahead.flatMap((c) => c.records.map((r) => r.seq))).toEqual([...Array(300).keys()]);
      expect(ahead.at(-1)!.upToDate).toBe(true);
    });

    test("a read reading ahead frames the next chunk, handed out once", async () => {
      const { engine } = await setup(kind);
      await append(engine, 100);
      const stream = await engine.get(PATH, false);
      const first = await readAhead(engine, stream, stream.earliest);
      const framed = await takeFramed(stream, first.end, LIMIT);
      expect(framed?.start).toBe(first.end);
      framed!.records.release();
      expect(await takeFramed(stream, first.end, LIMIT)).toBeUndefined();
    });

    test("the two chunks after a read are framed ahead, and taking one frames the one after them", async () => {
      const { engine } = await setup(kind);
      await append(engine, 200);
      const stream = await engine.get(PATH, false);
      const first = await readAhead(engine, stream, stream.earliest);
      const second = await framedAhead(stream, first.end);
      const third = await framedAhead(stream, second!.end);
      expect(third?.start).toBe(second!.end);
      // Taken by a read: the read frames the chunk after the next two.
      await readAhead(engine, stream, stream.earliest);
      await readAhead(engine, stream, first.end);
      await framedAhead(stream, second!.end);
      expect((await framedAhead(stream, third!.end))?.start).toBe(third!.end);
    });

    test("a chunk framed up to the tail is not served once the tail moved: the new messages are in", async () => {
      const { engine } = await setup(kind);
      await append(engine, 25); // about 1.5 chunks: the chunk framed ahead reaches the tail
      const stream = await engine.get(PATH, false);
      const first = await readAhead(engine, stream, stream.earliest);
      await append(engine, 25);
      const second = await readRecords(engine, stream, first.end, CHUNK, LIMIT, true);
      const expected = await readRecords(engine, stream, first.end, CHUNK, LIMIT, false);
      expect(parse(second)).toEqual(parse(expected));
      expect(second.end).toBe(expected.end);
      expect(second.end).toBeGreaterThan(first.end + CHUNK / 2);
    });

    test("up to date and closed are decided when the chunk is taken", async () => {
      const { engine } = await setup(kind);
      await append(engine, 25);
      const stream = await engine.get(PATH, false);
      const first = await readAhead(engine, stream, stream.earliest);
      await framedAhead(stream, first.end); // done before the stream closes
      await readAhead(engine, stream, stream.earliest);
      const close = { body: new Uint8Array(0), hasBody: false, contentType: undefined, close: true };
      await engine.append(PATH, { ...close, streamSeq: undefined, producer: undefined }); // no new data
      const last = await readRecords(engine, stream, first.end, CHUNK, LIMIT, true);
      expect(last.upToDate).toBe(true);
      expect(last.closed).toBe(true);
    });

    test("a chunk framed under another limit is not served", async () => {
      const { engine } = await setup(kind);
      await append(engine, 100);
      const stream = await engine.get(PATH, false);
      const first = await readAhead(engine, stream, stream.earliest);
      const limited = await readRecords(engine, stream, first.end, CHUNK, 3, true);
      expect(parse(limited).map((r) => r.seq)).toEqual([0, 1, 2].map((i) => first.count + i));
    });

    test("after compaction the next read has none of the messages it removed", async () => {
      const { engine, advance } = await setup(kind);
      // Two keys only: every older message of a key is superseded by its latest.
      for (let i = 0; i < 20; i++) await append(engine, 25, 2);
      await readAcrossCompaction(engine, advance, await engine.get(PATH, false));
    });

    test("after its source is compacted, a fork's next read has none of the messages removed", async () => {
      const { engine, advance } = await setup(kind);
      for (let i = 0; i < 20; i++) await append(engine, 25, 2);
      await createJsonStream(engine, "/r/fork", PATH);
      await readAcrossCompaction(engine, advance, await engine.get("/r/fork", false));
    });

    test("a chunk framed ahead whose start retention passed answers 410, like any read there", async () => {
      const { engine } = await setup(kind);
      for (let i = 0; i < 10; i++) await append(engine, 25);
      const stream = await engine.get(PATH, false);
      const first = await readAhead(engine, stream, stream.earliest);
      await framedAhead(stream, first.end);
      await readAhead(engine, stream, stream.earliest);
      await engine.trim(PATH, first.end + 3 * CHUNK);
      expect(stream.earliest).toBeGreaterThan(first.end);
      await expect(readRecords(engine, stream, first.end, CHUNK, LIMIT, true)).rejects.toMatchObject({
        code: "OFFSET_OUT_OF_RANGE",
      });
    });
  });
}
