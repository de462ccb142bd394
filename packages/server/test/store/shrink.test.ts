/**
 * Freeing a retained segment's blocks stays in the background (docs/storage.md, retention):
 * the file shrinks 2 MiB at a time, and after each step freeing waits nine times as long as the
 * step took (at least 10 ms), so a disk made slow by appends slows the freeing down with it.
 */
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FileIo, nodeIo } from "@rivulet/server";
import { afterEach, beforeEach, expect, test } from "vitest";
import { pauseAfterStep, shrinkFile } from "../../src/store/file/shrink.js";

const MiB = 1 << 20;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-shrink-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A clock that moves only when told: each truncate takes `stepMs[i]`, each sleep is recorded. */
function fakeTime(stepMs: readonly number[]) {
  let now = 0;
  const sizes: number[] = [];
  const sleeps: number[] = [];
  const io: FileIo = {
    ...nodeIo,
    truncate: async (handle, length) => {
      now += stepMs[sizes.length] ?? 1;
      sizes.push(length);
      await nodeIo.truncate(handle, length);
    },
  };
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { io, clock, sizes, sleeps };
}

test("a step waits nine times what it took, and never less than 10 ms", () => {
  expect(pauseAfterStep(0)).toBe(10);
  expect(pauseAfterStep(1)).toBe(10);
  expect(pauseAfterStep(2)).toBe(18);
  expect(pauseAfterStep(50)).toBe(450);
});

test("a file shrinks 2 MiB a step, pausing after each step by how long it took", async () => {
  const path = join(dir, "segment.data");
  await writeFile(path, new Uint8Array(7 * MiB));
  const time = fakeTime([1, 4, 30]);
  await shrinkFile(time.io, path, time.clock);
  // The last piece (at most 2 MiB) goes with the file's deletion, which follows.
  expect(time.sizes).toEqual([5 * MiB, 3 * MiB, 1 * MiB]);
  expect(time.sleeps).toEqual([10, 36, 270]);
  expect((await stat(path)).size).toBe(MiB);
});

test("freeing takes at most a tenth of the time when steps are slow", async () => {
  const path = join(dir, "segment.data");
  await writeFile(path, new Uint8Array(16 * MiB));
  const time = fakeTime(Array(8).fill(20));
  await shrinkFile(time.io, path, time.clock);
  const busy = time.sizes.length * 20;
  const total = busy + time.sleeps.reduce((sum, ms) => sum + ms, 0);
  expect(busy / total).toBeCloseTo(0.1, 5);
});

test("a file already gone, or a step that fails, is left to the deletion that follows", async () => {
  const time = fakeTime([]);
  await expect(shrinkFile(time.io, join(dir, "missing.data"), time.clock)).resolves.toBeUndefined();
  const path = join(dir, "segment.data");
  await writeFile(path, new Uint8Array(6 * MiB));
  const failing: FileIo = {
    ...nodeIo,
    truncate: async () => {
      throw Object.assign(new Error("EIO: injected"), { code: "EIO" });
    },
  };
  await expect(shrinkFile(failing, path, time.clock)).resolves.toBeUndefined();
  expect((await stat(path)).size).toBe(6 * MiB);
  expect(time.sleeps).toEqual([]);
});
