/**
 * Checksum slots kept between reads (store/file/slot-cache.ts): a reader catching up reads a
 * segment's checksum file a window at a time, not once per chunk, and every read still checks
 * its blocks against those checksums.
 */
import type { FileHandle } from "node:fs/promises";
import { mkdtemp, open, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppendRecord, type FileIo, FileStore, nodeIo, StoreCorruptionError } from "@rivulet/server";
import { afterEach, beforeEach, expect, test } from "vitest";
import { WINDOW_BLOCKS } from "../../src/store/file/slot-cache.js";

const BLOCK = 32 * 1024;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-slot-cache-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** File reads counted by the kind of file read (the name's extension). */
function countingIo() {
  const reads = new Map<string, number>();
  const kinds = new WeakMap<FileHandle, string>();
  const io: FileIo = {
    ...nodeIo,
    async open(path, flags) {
      const handle = await nodeIo.open(path, flags);
      kinds.set(handle, path.slice(path.lastIndexOf(".") + 1));
      return handle;
    },
    read(handle, buffer, position) {
      const kind = kinds.get(handle) ?? "?";
      reads.set(kind, (reads.get(kind) ?? 0) + 1);
      return nodeIo.read(handle, buffer, position);
    },
  };
  return { io, reads };
}

/** `/t` of `blocks` whole blocks (block i filled with letter i), written and closed. */
async function written(blocks: number): Promise<void> {
  const store = new FileStore({ dir });
  await store.open();
  await store.create(
    {
      path: "/t",
      contentType: "application/octet-stream",
      lifetime: {},
      createdAt: 0,
      retention: {},
    },
    undefined,
  );
  for (let i = 0; i < blocks; i++) {
    const record: AppendRecord = {
      position: i * BLOCK,
      data: new Uint8Array(BLOCK).fill(97 + (i % 26)),
      producer: undefined,
      streamSeq: undefined,
      close: false,
      ts: 1,
      messages: 0,
    };
    await store.append("/t", record);
  }
  await store.close();
}

test("chunk after chunk of one window reads the checksum file once", async () => {
  expect(WINDOW_BLOCKS).toBeGreaterThan(12); // the whole stream fits in one window
  await written(12);
  const { io, reads } = countingIo();
  const store = new FileStore({ dir, io });
  await store.open();
  try {
    expect((await store.read("/t", 0, 2 * BLOCK))[0]).toBe(97);
    const slotReads = reads.get("crc");
    expect(slotReads).toBeGreaterThan(0);
    for (let at = 2 * BLOCK; at < 10 * BLOCK; at += 2 * BLOCK) {
      const bytes = await store.read("/t", at, at + 2 * BLOCK);
      expect(bytes[0]).toBe(97 + at / BLOCK);
    }
    expect(reads.get("crc")).toBe(slotReads);
    expect(reads.get("data")).toBe(5);
  } finally {
    await store.close();
  }
});

test("a block damaged after its checksum was kept still fails its read", async () => {
  await written(4);
  const store = new FileStore({ dir, io: countingIo().io });
  await store.open();
  try {
    expect((await store.read("/t", 0, 2 * BLOCK))[BLOCK]).toBe(98);
    const data = (await readdir(join(dir, "streams"))).find((name) => name.endsWith(".data"))!;
    const file = await open(join(dir, "streams", data), "r+");
    await file.write(new Uint8Array([0]), 0, 1, BLOCK + 5);
    await file.close();
    await expect(store.read("/t", 0, 2 * BLOCK)).rejects.toBeInstanceOf(StoreCorruptionError);
  } finally {
    await store.close();
  }
});
