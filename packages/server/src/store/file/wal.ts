/**
 * The write-ahead log: numbered segment files of checksummed records (codec.ts). Every
 * acknowledged change is here first. Segments older than the latest checkpoint are deleted.
 */

import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { decodeRecord, type WalRecord } from "./codec.js";
import { type FileIo, isDiskFull, READ_WRITE_CREATE, writeFully } from "./io.js";

const SUFFIX = ".wal";

export function segmentName(segment: number): string {
  return `${segment.toString().padStart(16, "0")}${SUFFIX}`;
}

export async function listSegments(io: FileIo, dir: string): Promise<number[]> {
  return (await io.readdir(dir))
    .filter((name) => /^\d{16}\.wal$/.test(name))
    .map((name) => Number(name.slice(0, 16)))
    .sort((a, b) => a - b);
}

export class Wal {
  private handle: FileHandle | undefined;
  /** Bytes of whole, written records in the current segment. */
  size = 0;
  segment = 0;

  /**
   * With `durableWrites`, segments are opened O_DSYNC: each write returns only once its data
   * is on disk, so a commit is one system call instead of a write and an fdatasync.
   */
  constructor(
    private readonly io: FileIo,
    private readonly dir: string,
    private readonly durableWrites: boolean,
  ) {}

  /** Starts writing a new, empty segment. */
  async start(segment: number): Promise<void> {
    const flags = READ_WRITE_CREATE | (this.durableWrites ? constants.O_DSYNC : 0);
    const handle = await this.io.open(join(this.dir, segmentName(segment)), flags);
    await this.io.truncate(handle, 0);
    await this.io.syncDir(this.dir);
    const previous = this.handle;
    this.handle = handle;
    this.segment = segment;
    this.size = 0;
    await previous?.close();
  }

  /**
   * Writes records after the last whole one. A full disk cuts the segment back, so a partly
   * written record can never be mistaken for a whole one later, and rethrows. Any other
   * failure is fatal: with durable writes it may be a failed sync, which must never be retried.
   */
  async write(buffers: Uint8Array[]): Promise<void> {
    const handle = this.requireHandle();
    const length = buffers.reduce((n, b) => n + b.length, 0);
    try {
      await writeFully(this.io, handle, buffers, this.size);
    } catch (error) {
      if (!isDiskFull(error)) throw new FatalStoreError("Writing the log failed", error);
      await this.io.truncate(handle, this.size).catch((truncateError: unknown) => {
        throw new FatalStoreError("Could not cut back the log after a failed write", truncateError);
      });
      throw error;
    }
    this.size += length;
  }

  async sync(): Promise<void> {
    await this.io.datasync(this.requireHandle());
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  private requireHandle(): FileHandle {
    if (!this.handle) throw new Error("The log is not open");
    return this.handle;
  }
}

/** An error after which the store cannot guarantee durability; the process must stop. */
export class FatalStoreError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "FatalStoreError";
  }
}

/**
 * Replays the segments from `first` on, in order, calling `apply` per record. At the first
 * incomplete or corrupt record (a torn tail after a crash) the segment is truncated there and
 * any later segment deleted: nothing after garbage is ever served or appended to.
 */
export async function replaySegments(
  io: FileIo,
  dir: string,
  first: number,
  apply: (record: WalRecord) => Promise<void>,
): Promise<{ last: number; truncatedBytes: number }> {
  const segments = (await listSegments(io, dir)).filter((s) => s >= first);
  let last = first - 1;
  let truncatedBytes = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    last = segment;
    const path = join(dir, segmentName(segment));
    const bytes = await io.readFile(path);
    let offset = 0;
    for (;;) {
      const decoded = decodeRecord(bytes, offset);
      if (!decoded) break;
      await apply(decoded.record);
      offset = decoded.next;
    }
    if (offset < bytes.length) {
      truncatedBytes += bytes.length - offset;
      const handle = await io.open(path, READ_WRITE_CREATE);
      try {
        await io.truncate(handle, offset);
        await io.datasync(handle);
      } finally {
        await handle.close();
      }
      for (const later of segments.slice(i + 1)) await io.unlink(join(dir, segmentName(later)));
      break;
    }
  }
  return { last, truncatedBytes };
}
