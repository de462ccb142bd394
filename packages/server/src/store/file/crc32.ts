/**
 * CRC-32 (IEEE 802.3: the value node:zlib's `crc32` gives) for checking blocks as they are read.
 * Every read from disk checks each 32 KiB block it covers; zlib's table-driven crc32 runs at
 * about 1.3 GB/s on this kind of CPU, so a 1 MiB catch-up chunk spent more CPU on its checksums
 * than on being read and sent. @node-rs/crc32 uses the CPU's carry-less multiply and does the
 * same work in a twentieth of the time. On a platform it ships no binary for, zlib's is used:
 * the values are the same, only the speed differs.
 */
import { createRequire } from "node:module";
import { crc32 as zlibCrc32 } from "node:zlib";

export type Crc32 = (data: Uint8Array, initial?: number) => number;

export const crc32: Crc32 = fastest();

function fastest(): Crc32 {
  try {
    const native = createRequire(import.meta.url)("@node-rs/crc32") as { crc32: Crc32 };
    // No bytes: zlib answers the initial value as it is, the native one 0.
    return (data, initial = 0) => (data.length === 0 ? initial : native.crc32(data as Buffer, initial));
  } catch {
    return zlibCrc32;
  }
}
