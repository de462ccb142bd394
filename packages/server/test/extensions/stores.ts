/**
 * The extension tests run against both stores, each with small storage units (32 KiB) so
 * retention can free whole units of test-sized streams.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, MemoryStore, type ServerOptions, type Store } from "@rivulet/server";
import { startApp, type TestApp } from "../handlers/helpers.js";
import { afterEveryFile } from "../support/cleanups.js";

export const UNIT = 32 * 1024;

export interface StoreKind {
  readonly name: string;
  /** A fresh store; `dir` is set for the file store. */
  make(): Promise<{ store: Store; dir: string | undefined }>;
}

const dirs: string[] = [];
afterEveryFile(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export const STORES: readonly StoreKind[] = [
  { name: "memory", make: async () => ({ store: new MemoryStore({ unitBytes: UNIT }), dir: undefined }) },
  {
    name: "file",
    async make() {
      const dir = await mkdtemp(join(tmpdir(), "rivulet-ext-"));
      dirs.push(dir);
      return { store: new FileStore({ dir, segmentBytes: UNIT }), dir };
    },
  },
];

/** An app on a fresh store of `kind`; closing it removes the store's directory. */
export async function appOn(
  kind: StoreKind,
  options: ServerOptions = {},
): Promise<TestApp & { dir: string | undefined }> {
  const { store, dir } = await kind.make();
  const app = await startApp({ ...options, store });
  return {
    ...app,
    dir,
    async close() {
      await app.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export const json = { "content-type": "application/json" };
