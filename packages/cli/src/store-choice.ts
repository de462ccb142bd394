/** Which store `rivulet serve` runs on: the durable file store unless told otherwise. */
import { type Durability, FileStore, MemoryStore, type Store } from "@rivulet/server";

export function openStore(kind: "file" | "memory", dataDir: string, durability: Durability): Store {
  if (kind === "memory") return new MemoryStore();
  return new FileStore({ dir: dataDir, durability });
}
