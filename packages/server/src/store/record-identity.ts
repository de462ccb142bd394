/**
 * A rule every shared store applies to an append: a record decided for one incarnation of a
 * stream must not land in another. A node that has not yet heard that the stream was deleted
 * and re-created elsewhere decides on the old one; its record then carries the old creation
 * time, and the store refuses it as a conflict, so the engine re-reads and decides again.
 */
import { StoreConflictError } from "./errors.js";
import type { AppendRecord, StreamMeta } from "./types.js";

export function identityConflict(meta: StreamMeta, record: AppendRecord): StoreConflictError | undefined {
  if (record.createdAt === undefined || record.createdAt === meta.createdAt) return undefined;
  return new StoreConflictError(meta.path, "position", `Append decided for an earlier stream at ${meta.path}`);
}
