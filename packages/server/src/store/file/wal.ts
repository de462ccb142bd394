/**
 * The write-ahead log: numbered segment files, each a header and then one checksummed batch
 * frame per group commit (batch.ts), holding checksummed records (codec.ts). Every
 * acknowledged change is here first. Segments older than both kept checkpoints are deleted.
 */

import { randomInt } from "node:crypto";
import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { encodeBatchHeader, encodeSegmentHeader } from "./batch.js";
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

interface Filler {
  readonly until: number;
  /** Resolves when the next piece is written. */
  progress: Promise<void>;
  advance: () => void;
  /** Resolves when the filler has stopped. */
  finished: Promise<void>;
}

/** How far ahead of the last record a segment is zero-filled, and in what pieces. */
const PREALLOCATE_BYTES = 8 << 20;
const ZEROS = new Uint8Array(1 << 20);

export class Wal {
  private handle: FileHandle | undefined;
  /** Bytes of whole, written batches (and the header) in the current segment. */
  size = 0;
  segment = 0;
  /** Random per segment: a batch frame inside a record's payload can never pass as a real one. */
  private salt = 0;
  /**
   * The segment is zero-filled ahead of its records up to here. Writing over allocated blocks
   * does not change the file's size, so a durable write need not also commit metadata to the
   * filesystem journal: commits are cheaper, and a full disk shows up while preallocating
   * rather than in the middle of a commit. Replay stops at the zeros (a zero-length frame).
   */
  private zeroedUpTo = 0;
  /** The zero-filler, while it runs; records never go where it has yet to write. */
  private filler: Filler | undefined;

  /**
   * With `durableWrites`, segments are opened O_DSYNC: each write returns only once its data
   * is on disk, so a commit is one system call instead of a write and an fdatasync.
   */
  constructor(
    private readonly io: FileIo,
    private readonly dir: string,
    private readonly durableWrites: boolean,
    /** Told when preallocation ran out of space (readiness checks the disk then). */
    private readonly onSpaceShort: () => void = () => {},
  ) {}

  /**
   * Starts writing a new, empty segment. Its header goes out with its first batch, so starting
   * a segment on a full disk costs no data block. Without durable writes the previous segment
   * is synced first: a torn tail can then only be in the newest segment.
   */
  async start(segment: number): Promise<void> {
    const flags = READ_WRITE_CREATE | (this.durableWrites ? constants.O_DSYNC : 0);
    const handle = await this.io.open(join(this.dir, segmentName(segment)), flags);
    try {
      await this.io.truncate(handle, 0);
      await this.io.syncDir(this.dir);
      if (this.handle && !this.durableWrites) await this.syncPrevious(this.handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
    const previous = this.handle;
    const previousFiller = this.filler;
    this.handle = handle;
    this.segment = segment;
    this.salt = randomInt(2 ** 32 - 1);
    this.size = 0;
    this.zeroedUpTo = 0;
    this.filler = undefined;
    this.preallocate();
    // The old filler stops after its current piece; the file closes only once it has.
    await previousFiller?.finished;
    await previous?.close();
  }

  private async syncPrevious(handle: FileHandle): Promise<void> {
    try {
      await this.io.datasync(handle);
    } catch (error) {
      throw new FatalStoreError("fdatasync of the log failed", error);
    }
  }

  /**
   * Writes one batch (records as encoded frame parts) after the last whole one. A full disk
   * cuts the segment back, so a partly written batch can never be mistaken for a whole one
   * later, and rethrows. Any other failure is fatal: with durable writes it may be a failed
   * sync, which must never be retried.
   */
  async write(records: Uint8Array[][]): Promise<void> {
    const handle = this.requireHandle();
    const buffers = [encodeBatchHeader(this.salt, records), ...records.flat()];
    if (this.size === 0) buffers.unshift(encodeSegmentHeader(this.salt));
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
    const filler: Filler = { until, progress: Promise.resolve(), advance: () => {}, finished: Promise.resolve() };
    const nextStep = () => {
      filler.progress = new Promise((resolve) => {
        filler.advance = resolve;
      });
    };
    nextStep();
    this.filler = filler;
    this.zeroedUpTo = from;
    filler.finished = (async () => {
      try {
        for (let at = from; at < until && this.handle === handle; at += ZEROS.length) {
          await writeFully(this.io, handle, [ZEROS], at);
          if (this.handle === handle) this.zeroedUpTo = at + ZEROS.length;
          filler.advance();
          nextStep();
        }
      } catch {
        // Without space to preallocate, record writes extend the file themselves (and report ENOSPC).
        if (this.handle === handle) this.onSpaceShort();
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
    const handle = this.handle;
    const filler = this.filler;
    // Stops the filler after its current piece.
    this.handle = undefined;
    this.filler = undefined;
    await filler?.finished;
    await handle?.close();
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
