import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, type Store } from "@rivulet/server";
import { afterAll } from "vitest";
import { runStoreContract } from "./contract.js";

const dirs: string[] = [];
const dirOf = new WeakMap<Store, string>();

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function openAt(dir: string): Promise<FileStore> {
  const store = new FileStore({ dir });
  dirOf.set(store, dir);
  return store;
}

runStoreContract("file", {
  async open() {
    const dir = await mkdtemp(join(tmpdir(), "rivulet-store-"));
    dirs.push(dir);
    const store = await openAt(dir);
    await store.open();
    return store;
  },
  async reopen(store) {
    await store.close();
    return openAt(dirOf.get(store)!);
  },
});
