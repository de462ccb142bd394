import { MemoryStore } from "@rivulet/server";
import { runStoreContract } from "./contract.js";
import { runAtomicContract } from "./contract-atomic.js";
import { runCompactionContract } from "./contract-compaction.js";
import { runRecordsContract } from "./contract-records.js";

const harness = {
  async open(options: { unitBytes?: number } = {}) {
    const store = new MemoryStore(options.unitBytes === undefined ? {} : { unitBytes: options.unitBytes });
    await store.open();
    return store;
  },
};
runStoreContract("memory", harness);
runRecordsContract("memory", harness);
runAtomicContract("memory", harness);
runCompactionContract("memory", harness);
