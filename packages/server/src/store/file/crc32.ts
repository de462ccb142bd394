/**
 * CRC-32 (IEEE 802.3: the value node:zlib's `crc32` gives) for checking blocks as they are read.
 * Every read from disk checks each 32 KiB block it covers, so a 1 MiB catch-up chunk is 32
 * checks. zlib's table-driven crc32 costs about 0.2 ms of CPU per MiB checked that way;
 * @node-rs/crc32 uses the CPU's carry-less multiply and costs about 0.05 ms (most of it the
 * call itself). On a platform it ships no binary for, zlib's is used: the values are the same,
 * only the speed differs.
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
