/**
 * The read path's CRC-32 (store/file/crc32.ts) gives exactly node:zlib's values: checksums on
 * disk were written with zlib's, and a mismatch would turn every read into a corruption report.
 */
import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { crc32 } from "../../src/store/file/crc32.js";

describe("read-path crc32", () => {
  test("known values: empty, the standard check string, one whole 32 KiB block", () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new Uint8Array(0), 7)).toBe(zlibCrc32(new Uint8Array(0), 7));
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    const block = Buffer.alloc(32 * 1024, 0x5a);
    expect(crc32(block)).toBe(zlibCrc32(block));
  });

  test("property: the same value as zlib for any bytes, any view into a larger buffer, any initial value", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(64), fc.nat(0xffffffff), (bytes, cut, initial) => {
        const view = Buffer.from(bytes).subarray(Math.min(cut, bytes.length));
        expect(crc32(view)).toBe(zlibCrc32(view));
        expect(crc32(bytes)).toBe(zlibCrc32(bytes));
        // (zlib answers 0 for some empty views whatever the initial value: its null-pointer case.)
        if (view.length > 0) expect(crc32(view, initial)).toBe(zlibCrc32(view, initial));
      }),
    );
  });
});
