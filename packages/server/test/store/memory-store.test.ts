import { MemoryStore } from "@rivulet/server";
import { runStoreContract } from "./contract.js";

runStoreContract("memory", {
  async open() {
    const store = new MemoryStore();
    await store.open();
    return store;
  },
});
