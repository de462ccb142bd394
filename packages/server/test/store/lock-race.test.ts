/**
 * The lock's take-over of a stale lock, with the interleavings forced (lock.test.ts runs real
 * servers): two starters that both saw the stale lock, and a starter overtaken between
 * creating its lock and checking it. Exactly one holder every time, and no live lock removed.
 */
import { mkdtemp, readdir, readFile, readlink, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataDirLockedError, type FileIo, nodeIo } from "@rivulet/server";
import { afterEach, beforeEach, expect, test } from "vitest";
import { lockDataDir } from "../../src/store/file/lock.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rivulet-lock-race-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function identity(): Promise<string> {
  const stat = await readFile("/proc/self/stat", "utf8");
  const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  const boot = (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim().replaceAll("-", "").slice(0, 16);
  return `${process.pid}:${start}:${boot}`;
}

test("two starters that both saw the same stale lock: one holds, the other is refused, the stale lock is gone", async () => {
  await symlink("999999999:1:0000000000000000", join(dir, "lock.7"));
  let arrived = 0;
  let release: () => void = () => {};
  const bothListed = new Promise<void>((resolve) => {
    release = resolve;
  });
  // Each starter creates its lock only once both have read the stale one.
  const io: FileIo = {
    ...nodeIo,
    async symlink(target, path) {
      if (++arrived === 2) release();
      await bothListed;
      return nodeIo.symlink(target, path);
    },
  };
  const outcomes = await Promise.allSettled([lockDataDir(io, dir), lockDataDir(io, dir)]);
  const held = outcomes.filter((o) => o.status === "fulfilled");
  const refused = outcomes.filter((o) => o.status === "rejected");
  expect(held).toHaveLength(1);
  expect(refused).toHaveLength(1);
  expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(DataDirLockedError);
  expect(await readdir(dir)).toEqual(["lock.8"]);
  expect(await readlink(join(dir, "lock.8"))).toBe(await identity());
  await (held[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  expect(await readdir(dir)).toEqual([]);
});

test("a starter overtaken by a higher lock after creating its own withdraws it and is refused", async () => {
  await symlink("999999999:1:0000000000000000", join(dir, "lock.1"));
  const live = await identity();
  const io: FileIo = {
    ...nodeIo,
    async symlink(target, path) {
      await nodeIo.symlink(target, path);
      // Meanwhile a live starter that listed earlier took a higher number.
      if (path.endsWith("lock.2")) await nodeIo.symlink(live, join(dir, "lock.3"));
    },
  };
  await expect(lockDataDir(io, dir)).rejects.toBeInstanceOf(DataDirLockedError);
  expect((await readdir(dir)).sort()).toEqual(["lock.1", "lock.3"]);
});
