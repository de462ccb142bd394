import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore, type Store } from "@rivulet/server";
import { afterAll } from "vitest";
import { runStoreContract } from "./contract.js";
import { runAtomicContract } from "./contract-atomic.js";
import { runCompactionContract } from "./contract-compaction.js";
import { runRecordsContract } from "./contract-records.js";

const dirs: string[] = [];
const dirOf = new WeakMap<Store, { dir: string; segmentBytes: number | undefined }>();

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function openAt(dir: string, segmentBytes: number | undefined): FileStore {
  const store = new FileStore(segmentBytes === undefined ? { dir } : { dir, segmentBytes });
  dirOf.set(store, { dir, segmentBytes });
  return store;
}

const harness = {
  async open(options: { unitBytes?: number } = {}) {
    const dir = await mkdtemp(join(tmpdir(), "rivulet-store-"));
    dirs.push(dir);
    const store = openAt(dir, options.unitBytes);
    await store.open();
    return store;
  },
  async reopen(store: Store) {
    await store.close();
    const { dir, segmentBytes } = dirOf.get(store)!;
    return openAt(dir, segmentBytes);
  },
};
runStoreContract("file", harness);
runRecordsContract("file", harness);
runAtomicContract("file", harness);
runCompactionContract("file", harness);
