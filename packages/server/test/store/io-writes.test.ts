/**
 * nodeIo.writev makes small page-cache writes in place and hands O_DSYNC and large writes to
 * the thread pool: both ways must put the bytes where asked, and fail by rejecting, never by
 * throwing at the caller.
 */
import { constants } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeIo } from "@rivulet/server";
import { afterEach, beforeEach, expect, test } from "vitest";

const READ_WRITE_CREATE = constants.O_RDWR | constants.O_CREAT;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-io-writes-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test.each([
  ["a small write to a plain file (in place)", 0, 300],
  ["a large write to a plain file (thread pool)", 0, 200_000],
  ["a small write to an O_DSYNC file (thread pool)", constants.O_DSYNC, 300],
])("%s lands at its position, parts in order", async (_name, extraFlags, size) => {
  const path = join(dir, "file");
  const handle = await nodeIo.open(path, READ_WRITE_CREATE | extraFlags);
  const first = new Uint8Array(size).fill(1);
  const second = new Uint8Array(size).fill(2);
  try {
    expect(await nodeIo.writev(handle, [new Uint8Array([9])], 0)).toBe(1);
    expect(await nodeIo.writev(handle, [first, second], 10)).toBe(2 * size);
  } finally {
    await handle.close();
  }
  const bytes = await readFile(path);
  expect(bytes.length).toBe(10 + 2 * size);
  expect(bytes[0]).toBe(9);
  expect(bytes.subarray(1, 10).every((b) => b === 0)).toBe(true);
  expect(bytes.subarray(10, 10 + size).every((b) => b === 1)).toBe(true);
  expect(bytes.subarray(10 + size).every((b) => b === 2)).toBe(true);
});

test("a small write to a closed file rejects instead of throwing", async () => {
  const handle = await nodeIo.open(join(dir, "file"), READ_WRITE_CREATE);
  await handle.close();
  let thrown: unknown;
  let written: Promise<number> | undefined;
  try {
    written = nodeIo.writev(handle, [new Uint8Array(8)], 0);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeUndefined();
  await expect(written).rejects.toMatchObject({ code: "EBADF" });
});
