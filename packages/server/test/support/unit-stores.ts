/**
 * Both stores with small storage units, for engine tests that run on each: the memory store,
 * and the file store in a fresh temporary directory (removed after the test file).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, MemoryStore, type Store } from "@rivulet/server";
import { afterEveryFile } from "./cleanups.js";

const dirs: string[] = [];
afterEveryFile(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** `memory` and `file` stores with units of `unitBytes`, each call a new, empty one. */
export function unitStores(unitBytes: number, dirPrefix: string): Record<string, () => Promise<Store>> {
  return {
    memory: async () => new MemoryStore({ unitBytes }),
    file: async () => {
      const dir = await mkdtemp(join(tmpdir(), dirPrefix));
      dirs.push(dir);
      return new FileStore({ dir, segmentBytes: unitBytes });
    },
  };
}
