/**
 * Checks a stream's data file against its block checksums, offline, over the bytes recovery
 * takes from the file rather than from the log: up to the tail the trusted checkpoint records.
 */
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { BLOCK_BYTES, blockStart, decodeSlot, SLOT_BYTES } from "../block-crc.js";
import type { Entry } from "../catalog.js";
import type { FileIo } from "../io.js";

export interface BlockDamage {
  /** Data-file positions [from, to). */
  readonly from: number;
  readonly to: number;
  /** `data`: the bytes fail their checksum; `checksum`: the slot itself is damaged; `missing`: the file ends early. */
  readonly kind: "data" | "checksum" | "missing";
}

/** Blocks read at a time. */
const CHUNK_BLOCKS = 32;

/** Damaged blocks of `entry`'s data file below its tail (as the trusted checkpoint records it). */
export async function checkDataFile(io: FileIo, streamsDir: string, entry: Entry): Promise<BlockDamage[]> {
  const length = entry.tail - entry.base;
  if (length === 0 || !entry.checksummed) return [];
  const fullBlocks = Math.floor(length / BLOCK_BYTES);
  const slots = await withFile(io, join(streamsDir, `${entry.id}.crc`), (handle) =>
    readAt(io, handle, 0, fullBlocks * SLOT_BYTES),
  );
  const damage: BlockDamage[] = [];
  const add = (from: number, to: number, kind: BlockDamage["kind"]) => {
    const last = damage.at(-1);
    if (last && last.to === from && last.kind === kind) damage[damage.length - 1] = { ...last, to };
    else damage.push({ from, to, kind });
  };
  const complete = await withFile(io, join(streamsDir, `${entry.id}.data`), async (handle) => {
    for (let from = 0; from < length; from += CHUNK_BLOCKS * BLOCK_BYTES) {
      const want = Math.min(CHUNK_BLOCKS * BLOCK_BYTES, length - from);
      const chunk = await readAt(io, handle, from, want);
      for (let at = 0; at < chunk.length; at += BLOCK_BYTES) {
        const start = from + at;
        const block = chunk.subarray(at, at + BLOCK_BYTES);
        const kind = blockDamage(block, start, length, slots, entry.tailCrc);
        if (kind) add(start, start + block.length, kind);
      }
      if (chunk.length < want) {
        add(blockStart(from + chunk.length), length, "missing");
        return false;
      }
    }
    return true;
  });
  if (complete === undefined) add(0, length, "missing");
  return damage;
}

function blockDamage(
  block: Uint8Array,
  start: number,
  length: number,
  slots: Buffer | undefined,
  tailCrc: number,
): BlockDamage["kind"] | undefined {
  if (block.length < BLOCK_BYTES && start + block.length === length) {
    return crc32(block) === tailCrc ? undefined : "data";
  }
  if (block.length < BLOCK_BYTES) return "missing";
  const index = start / BLOCK_BYTES;
  const expected =
    slots && slots.length >= (index + 1) * SLOT_BYTES ? decodeSlot(slots, index * SLOT_BYTES, index) : undefined;
  if (expected === undefined) return "checksum";
  return crc32(block) === expected ? undefined : "data";
}

/** Runs `work` on the file opened read-only; undefined if it does not exist. */
async function withFile<T>(io: FileIo, path: string, work: (handle: FileHandle) => Promise<T>): Promise<T | undefined> {
  let handle: FileHandle;
  try {
    handle = await io.open(path, 0);
  } catch {
    return undefined;
  }
  try {
    return await work(handle);
  } finally {
    await handle.close();
  }
}

/** Up to `length` bytes at `position` (fewer where the file ends). */
async function readAt(io: FileIo, handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = await io.read(handle, buffer.subarray(done), position + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}
