/**
 * A FileIo that counts calls and injects faults by path, for the file store's failure tests.
 * While writes fail with ENOSPC, or the disk is `full`, free space reads as zero, as it would
 * on a real full disk.
 */
import type { FileHandle } from "node:fs/promises";
import { type FileIo, nodeIo } from "@rivulet/server";

export interface FaultyIo extends FileIo {
  /** Writes to files whose path matches fail with this errno code. */
  failWrites: { match: RegExp; code: string } | undefined;
  /** fdatasync of files whose path matches fails. */
  failSync: RegExp | undefined;
  /** A full disk as a filesystem has one: writes within a file succeed, writes that grow it fail (ENOSPC). */
  full: boolean;
  syncs: number;
}

export function faultyIo(): FaultyIo {
  const paths = new WeakMap<FileHandle, string>();
  const io: FaultyIo = {
    ...nodeIo,
    failWrites: undefined,
    failSync: undefined,
    full: false,
    syncs: 0,
    async open(path, flags) {
      const handle = await nodeIo.open(path, flags);
      paths.set(handle, path);
      return handle;
    },
    async writev(handle, buffers, position) {
      const fault = io.failWrites;
      if (fault?.match.test(paths.get(handle) ?? "")) {
        // Like a real full disk: part of the data may be written before the error.
        const first = buffers[0];
        if (first && first.length > 1) await nodeIo.writev(handle, [first.subarray(0, first.length >> 1)], position);
        throw Object.assign(new Error(`${fault.code}: injected`), { code: fault.code });
      }
      if (io.full) {
        const room = (await handle.stat()).size - position;
        const length = buffers.reduce((n, b) => n + b.length, 0);
        if (room < length) {
          if (room > 0) await nodeIo.writev(handle, [Buffer.concat(buffers).subarray(0, room)], position);
          throw Object.assign(new Error("ENOSPC: injected full disk"), { code: "ENOSPC" });
        }
      }
      return nodeIo.writev(handle, buffers, position);
    },
    async freeBytes(path) {
      return io.full || io.failWrites?.code === "ENOSPC" ? 0 : nodeIo.freeBytes(path);
    },
    async datasync(handle) {
      io.syncs++;
      if (io.failSync?.test(paths.get(handle) ?? "")) {
        throw Object.assign(new Error("EIO: injected fsync failure"), { code: "EIO" });
      }
      return nodeIo.datasync(handle);
    },
  };
  return io;
}
