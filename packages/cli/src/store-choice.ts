/** Which store `rivulet serve` runs on: the durable file store unless told otherwise. */
import { type Durability, FileStore, MemoryStore, PostgresStore, type Store } from "@rivulet/server";

/** `--store`: file, memory, or a PostgreSQL connection URL (the multi-node mode). */
export type StoreChoice = "file" | "memory" | `postgres://${string}` | `postgresql://${string}`;

export function isPostgresUrl(store: string): store is `postgres://${string}` | `postgresql://${string}` {
  return store.startsWith("postgres://") || store.startsWith("postgresql://");
}

/**
 * `segmentBytes`: the unit retention frees (file segments, or memory units); a PostgreSQL
 * store keeps its own unit (1 MiB, docs/cluster.md). `migrate`: whether a PostgreSQL
 * store applies missing schema migrations when it opens.
 */
export function openStore(
  kind: StoreChoice,
  dataDir: string,
  durability: Durability,
  segmentBytes: number,
  migrate = true,
): Store {
  if (kind === "memory") return new MemoryStore({ unitBytes: segmentBytes });
  if (isPostgresUrl(kind)) return new PostgresStore({ url: kind, migrate });
  return new FileStore({ dir: dataDir, durability, segmentBytes });
}
