/** Which store `rivulet serve` runs on: the durable file store unless told otherwise. */
import { type Durability, FileStore, MemoryStore, type Store } from "@rivulet/server";

/** `segmentBytes`: the unit retention frees (file segments, or memory units). */
export function openStore(
  kind: "file" | "memory",
  dataDir: string,
  durability: Durability,
  segmentBytes: number,
): Store {
  if (kind === "memory") return new MemoryStore({ unitBytes: segmentBytes });
  return new FileStore({ dir: dataDir, durability, segmentBytes });
}
