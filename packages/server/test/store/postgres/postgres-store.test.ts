/** The whole store contract on PostgresStore, against a real PostgreSQL (one database per store opened). */
import { PostgresStore, type Store } from "@rivulet/server";
import { afterAll, beforeAll } from "vitest";
import { startPostgres, type TestPostgres } from "../../support/postgres.js";
import { runStoreContract } from "../contract.js";
import { runAtomicContract } from "../contract-atomic.js";
import { runCompactionContract } from "../contract-compaction.js";
import { runRecordsContract } from "../contract-records.js";

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.stop());

const opened = new WeakMap<Store, { url: string; unitBytes: number | undefined }>();

function storeAt(url: string, unitBytes: number | undefined): PostgresStore {
  const store = new PostgresStore(unitBytes === undefined ? { url } : { url, unitBytes });
  opened.set(store, { url, unitBytes });
  return store;
}

const harness = {
  async open(options: { unitBytes?: number } = {}) {
    const store = storeAt(await postgres.database(), options.unitBytes);
    await store.open();
    return store;
  },
  async reopen(store: Store) {
    await store.close();
    const { url, unitBytes } = opened.get(store)!;
    return storeAt(url, unitBytes);
  },
};
runStoreContract("postgres", harness);
runRecordsContract("postgres", harness);
runAtomicContract("postgres", harness);
runCompactionContract("postgres", harness);
