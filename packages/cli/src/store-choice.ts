/** Which store `rivulet serve` runs on. */
import { MemoryStore, type Store } from "@rivulet/server";

export async function openStore(kind: "file" | "memory", _dataDir: string): Promise<Store> {
  if (kind === "memory") return new MemoryStore();
  // The durable file store is the default once it lands; until then say so plainly.
  console.warn("rivulet: the durable file store is not available yet; using the memory store");
  return new MemoryStore();
}
