/**
 * The filesystem calls the file store makes, behind one seam so tests can inject faults
 * (ENOSPC, failed fsync) without a special filesystem. Anything that may wait for the disk
 * (opens, reads, syncs, O_DSYNC writes, large writes) runs on the thread pool, so it never
 * blocks the event loop; only small writes into the page cache are made in place (below).
 */
import { constants, writevSync } from "node:fs";
import * as fs from "node:fs/promises";

export interface FileIo {
  open(path: string, flags: number): Promise<fs.FileHandle>;
  writev(handle: fs.FileHandle, buffers: Uint8Array[], position: number): Promise<number>;
  read(handle: fs.FileHandle, buffer: Uint8Array, position: number): Promise<number>;
  datasync(handle: fs.FileHandle): Promise<void>;
  truncate(handle: fs.FileHandle, length: number): Promise<void>;
  /** fsync a directory, so entries created or renamed in it survive a crash. */
  syncDir(path: string): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  readlink(path: string): Promise<string>;
  /** Bytes an unprivileged writer can still use on the filesystem holding `path`. */
  freeBytes(path: string): Promise<number>;
}

export const READ_WRITE_CREATE = constants.O_RDWR | constants.O_CREAT;

/** Handles opened O_DSYNC: a write to one returns only once it is on disk, so it goes to the thread pool. */
const durableHandles = new WeakSet<fs.FileHandle>();

/**
 * A write of at most this many bytes to a file not opened O_DSYNC is made synchronously: it
 * only copies into the page cache, a few µs, while handing it to the thread pool costs several
 * times that in CPU (measured on the 2-vCPU benchmark machine: 2.6 µs against 32 µs for a
 * 256 B writev), and every group commit makes such a write per stream to its data and index
 * files (docs/storage.md). The tail page being appended to is normally cached; when it is not
 * (the first append to a stream after a restart) the write waits for one page read.
 */
const IN_PLACE_WRITE_BYTES = 64 << 10;

function writeInPlace(handle: fs.FileHandle, buffers: Uint8Array[]): boolean {
  // A closed handle (fd -1) takes the usual path, which rejects with EBADF.
  if (handle.fd < 0 || durableHandles.has(handle)) return false;
  let bytes = 0;
  for (const buffer of buffers) bytes += buffer.length;
  return bytes <= IN_PLACE_WRITE_BYTES;
}

export const nodeIo: FileIo = {
  open: async (path, flags) => {
    const handle = await fs.open(path, flags, 0o644);
    if (flags & constants.O_DSYNC) durableHandles.add(handle);
    return handle;
  },
  writev: async (handle, buffers, position) => {
    if (writeInPlace(handle, buffers)) return writevSync(handle.fd, buffers, position);
    return (await handle.writev(buffers, position)).bytesWritten;
  },
  read: async (handle, buffer, position) => (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
  datasync: (handle) => handle.datasync(),
  truncate: (handle, length) => handle.truncate(length),
  async syncDir(path) {
    const dir = await fs.open(path, constants.O_RDONLY);
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  },
  readFile: (path) => fs.readFile(path),
  writeFile: (path, data) => fs.writeFile(path, data),
  rename: (from, to) => fs.rename(from, to),
  unlink: (path) => fs.unlink(path),
  readdir: (path) => fs.readdir(path),
  mkdir: async (path) => {
    await fs.mkdir(path, { recursive: true });
  },
  symlink: (target, path) => fs.symlink(target, path),
  readlink: (path) => fs.readlink(path),
  freeBytes: async (path) => {
    const stats = await fs.statfs(path);
    return stats.bavail * stats.bsize;
  },
};

/** Writes every byte (writev may write fewer than asked). */
export async function writeFully(
  io: FileIo,
  handle: fs.FileHandle,
  buffers: Uint8Array[],
  position: number,
): Promise<void> {
  let remaining = buffers.filter((b) => b.length > 0);
  let at = position;
  while (remaining.length > 0) {
    const written = await io.writev(handle, remaining, at);
    if (written <= 0) throw new Error("writev wrote nothing");
    at += written;
    let skip = written;
    const rest: Uint8Array[] = [];
    for (const buffer of remaining) {
      if (skip >= buffer.length) {
        skip -= buffer.length;
        continue;
      }
      rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
      skip = 0;
    }
    remaining = rest;
  }
}

/**
 * Reads exactly `length` bytes at `position` (into `buffer` when given, which must hold that
 * many), or throws ShortReadError if the file is shorter.
 */
export async function readFully(
  io: FileIo,
  handle: fs.FileHandle,
  length: number,
  position: number,
  buffer: Buffer = Buffer.allocUnsafe(length),
): Promise<Buffer> {
  let done = 0;
  while (done < length) {
    const n = await io.read(handle, buffer.subarray(done), position + done);
    if (n === 0) throw new ShortReadError(position + done, position + length);
    done += n;
  }
  return buffer;
}

/** A file ended before the bytes a read needed. */
export class ShortReadError extends Error {
  constructor(
    readonly end: number,
    readonly wanted: number,
  ) {
    super(`Short read: the file ends at byte ${end}, before ${wanted}`);
    this.name = "ShortReadError";
  }
}

export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}
