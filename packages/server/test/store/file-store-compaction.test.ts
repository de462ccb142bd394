/**
 * The file store's compacted segments (docs/storage.md, "Compaction"): a rewritten segment is
 * one `.cpt` file in place of its data and checksum files; the rename of a fully written,
 * fsynced file is the commit, so whatever a crash leaves — a half-written `.tmp`, or the `.cpt`
 * beside the files it replaced — the next open reads the segment one way or the other, whole.
 * Damaged compacted bytes are never served, and fsck checks them.
 */
import { copyFile, mkdtemp, open, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AppendRecord,
  checkDataDir,
  FileStore,
  type Span,
  StoreCorruptionError,
  type StreamMeta,
} from "@rivulet/server";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

const UNIT = 32 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-compaction-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const meta: StreamMeta = {
  path: "/t",
  contentType: "application/json",
  lifetime: {},
  createdAt: 0,
  retention: {},
};

/** 300 messages of ~300 bytes (about three segments); their spans. */
async function filled(store: FileStore): Promise<Span[]> {
  const spans: Span[] = [];
  await store.create(meta, undefined);
  let position = 0;
  for (let i = 0; i < 300; i += 10) {
    const texts = Array.from(
      { length: 10 },
      (_, j) => `${JSON.stringify({ key: `k${i + j}`, pad: "x".repeat(280) })},\n`,
    );
    for (const text of texts) {
      spans.push({ start: position, end: position + text.length });
      position += text.length;
    }
    const record: AppendRecord = {
      position: spans[i]!.start,
      data: encoder.encode(texts.join("")),
      producer: undefined,
      streamSeq: undefined,
      close: false,
      ts: 1,
      messages: 10,
    };
    await store.append("/t", record);
  }
  return spans;
}

const inFirst = (spans: Span[]) => spans.filter((s, i) => i % 3 === 0 && s.end <= UNIT);
const files = async () => (await readdir(join(dir, "streams"))).sort();
const hole = (text: string, span: Span) =>
  `${text.slice(0, span.start)}${" ".repeat(span.end - span.start - 1)}\n${text.slice(span.end)}`;

describe("compacted segments", () => {
  test("a compacted segment is one .cpt file; its data and checksum files are gone", async () => {
    const store = new FileStore({ dir, segmentBytes: UNIT });
    await store.open();
    const spans = await filled(store);
    await store.compactUnit("/t", UNIT, inFirst(spans));
    expect(await files()).toContain("1.cpt");
    expect(await files()).not.toContain("1.data");
    expect(await files()).not.toContain("1.crc");
    expect(await files()).toContain("1.idx");
    expect(await files()).toContain(`1.${UNIT}.data`);
    await store.close();
    expect((await checkDataDir(dir)).clean).toBe(true);
  });

  test("a crash while the .cpt was written leaves the segment as it was", async () => {
    let store = new FileStore({ dir, segmentBytes: UNIT });
    await store.open();
    const spans = await filled(store);
    const tail = (await store.lookup("/t"))!.tail;
    const original = decoder.decode(await store.read("/t", 0, tail));
    await store.simulateCrash();
    await writeFile(join(dir, "streams", "1.tmp"), "half a compacted file");

    store = new FileStore({ dir, segmentBytes: UNIT });
    await store.open();
    expect(await files()).not.toContain("1.tmp");
    expect(decoder.decode(await store.read("/t", 0, tail))).toBe(original);
    // And compaction works from there.
    const removed = inFirst(spans);
    await store.compactUnit("/t", UNIT, removed);
    expect(decoder.decode(await store.read("/t", 0, UNIT))).toBe(
      removed.reduce((text, span) => hole(text, span), original).slice(0, UNIT),
    );
    await store.close();
  });

  test("a crash after the rename, before the old files went: the .cpt stands for the segment", async () => {
    let store = new FileStore({ dir, segmentBytes: UNIT });
    await store.open();
    const spans = await filled(store);
    const tail = (await store.lookup("/t"))!.tail;
    const original = decoder.decode(await store.read("/t", 0, tail));
    await store.close();
    // Keep the segment's files as they were, compact, and put them back: the state a crash
    // between the rename and the deletions leaves.
    for (const name of ["1.data", "1.crc"]) await copyFile(join(dir, "streams", name), join(dir, `${name}.kept`));
    store = new FileStore({ dir, segmentBytes: UNIT });
    await store.open();
    const removed = inFirst(spans);
    await store.compactUnit("/t", UNIT, removed);
    await store.simulateCrash();
    for (const name of ["1.data", "1.crc"]) await copyFile(join(dir, `${name}.kept`), join(dir, "streams", name));

    store = new FileStore({ dir, segmentBytes: UNIT });
    await store.open();
    expect(await files()).not.toContain("1.data");
    const expected = removed.reduce((text, span) => hole(text, span), original);
    expect(decoder.decode(await store.read("/t", 0, tail))).toBe(expected);
    await store.close();
  });

  test("damaged compacted bytes are never served, and fsck finds them", async () => {
    const store = new FileStore({ dir, segmentBytes: UNIT });
    await store.open();
    const spans = await filled(store);
    await store.compactUnit("/t", UNIT, inFirst(spans));
    await store.close();
    const file = await open(join(dir, "streams", "1.cpt"), "r+");
    const { size } = await file.stat();
    await file.write(Buffer.from("garbage"), 0, 7, size - 100);
    await file.close();

    expect((await checkDataDir(dir)).clean).toBe(false);
    const reopened = new FileStore({ dir, segmentBytes: UNIT });
    await reopened.open();
    await expect(reopened.read("/t", UNIT - 200, UNIT)).rejects.toBeInstanceOf(StoreCorruptionError);
    // The rest of the stream reads.
    expect((await reopened.read("/t", UNIT, UNIT + 100)).length).toBe(100);
    await reopened.close();
  });

  test("a trim past a compacted segment deletes its .cpt", async () => {
    const store = new FileStore({ dir, segmentBytes: UNIT });
    await store.open();
    const spans = await filled(store);
    await store.compactUnit("/t", UNIT, inFirst(spans));
    await store.trim("/t", spans.find((s) => s.start >= UNIT)!.start);
    expect(await files()).not.toContain("1.cpt");
    await store.close();
  });
});
