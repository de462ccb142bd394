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

/** How far ahead of the last record a segment is zero-filled, and in what pieces. */
const PREALLOCATE_BYTES = 8 << 20;
const ZEROS = new Uint8Array(1 << 20);

export class Wal {
  private handle: FileHandle | undefined;
  /** Bytes of whole, written records in the current segment. */
  size = 0;
  segment = 0;
  /**
   * The segment is zero-filled ahead of its records up to here. Writing over allocated blocks
   * does not change the file's size, so a durable write need not also commit metadata to the
   * filesystem journal: commits are cheaper, and a full disk shows up while preallocating
   * rather than in the middle of a commit. Replay stops at the zeros (a zero-length frame).
   */
  private zeroedUpTo = 0;
  /** The zero-filler, while it runs; records never go where it has yet to write. */
  private filler: { until: number; progress: Promise<void>; advance: () => void } | undefined;

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
    this.zeroedUpTo = 0;
    this.filler = undefined;
    this.preallocate();
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
    // Never write records where zeros are still to be written.
    while (this.filler && this.size + length > this.zeroedUpTo && this.size < this.filler.until) {
      await this.filler.progress;
    }
    try {
      await writeFully(this.io, handle, buffers, this.size);
    } catch (error) {
      if (!isDiskFull(error)) throw new FatalStoreError("Writing the log failed", error);
      await this.io.truncate(handle, this.size).catch((truncateError: unknown) => {
        throw new FatalStoreError("Could not cut back the log after a failed write", truncateError);
      });
      this.zeroedUpTo = Math.min(this.zeroedUpTo, this.size);
      throw error;
    }
    this.size += length;
    this.preallocate();
  }

  /** Zero-fills the next stretch in the background, a piece at a time, once records are halfway into the last. */
  private preallocate(): void {
    const handle = this.handle;
    if (!handle || this.filler || this.zeroedUpTo - this.size > PREALLOCATE_BYTES / 2) return;
    const from = Math.max(this.zeroedUpTo, this.size);
    const until = from + PREALLOCATE_BYTES;
    const filler = { until, progress: Promise.resolve(), advance: () => {} };
    const nextStep = () => {
      filler.progress = new Promise((resolve) => {
        filler.advance = resolve;
      });
    };
    nextStep();
    this.filler = filler;
    this.zeroedUpTo = from;
    void (async () => {
      try {
        for (let at = from; at < until && this.handle === handle; at += ZEROS.length) {
          await writeFully(this.io, handle, [ZEROS], at);
          if (this.handle === handle) this.zeroedUpTo = at + ZEROS.length;
          filler.advance();
          nextStep();
        }
      } catch {
        // Without space to preallocate, record writes extend the file themselves (and report ENOSPC).
      } finally {
        if (this.filler === filler) this.filler = undefined;
        filler.advance();
      }
    })();
  }

  async sync(): Promise<void> {
    await this.io.datasync(this.requireHandle());
  }

  async close(): Promise<void> {
    while (this.filler) await this.filler.progress;
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

function allZero(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
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
    // Zero-fill after the last record is the preallocated end of a segment, not damage.
    if (offset < bytes.length && !allZero(bytes, offset)) {
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
