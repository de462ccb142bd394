/**
 * What an append transaction writes, decided from the locked stream rows (PROTOCOL §5.2.1
 * atomicity: data, producer state, Stream-Seq and closure in one commit). Every record is
 * checked against its stream's tail — counting the parts before it — before anything is
 * planned, so a refused unit writes nothing. Pure: locked state in, rows out.
 */
import { isJsonContentType, type ProducerState } from "@rivulet/protocol";
import { indexEntriesOf } from "../append-index.js";
import { StoreConflictError, StoreMissingError } from "../errors.js";
import { identityConflict } from "../record-identity.js";
import { applyRecord } from "../record-state.js";
import type { AppendRecord, AtomicPart, IndexEntry } from "../types.js";
import { type ChunkRow, chunksOf } from "./chunks.js";
import type { LockedStream } from "./stream-rows.js";

export interface AppendPlan {
  readonly chunks: ReadonlyArray<ChunkRow & { readonly path: string }>;
  readonly index: ReadonlyArray<IndexEntry & { readonly path: string }>;
  /** The final state of each producer a record claimed (one row per path and id). */
  readonly producers: ReadonlyArray<{ readonly path: string; readonly id: string; readonly state: ProducerState }>;
  /** The final state of each stream written (one per path). */
  readonly streams: readonly LockedStream[];
  /** Bytes the new rows hold, per path. */
  readonly added: ReadonlyMap<string, number>;
}

/** Plans every part, or throws the first part's refusal (an atomic unit is all or nothing). */
export function planAppend(locked: ReadonlyMap<string, LockedStream>, parts: readonly AtomicPart[]): AppendPlan {
  const { plan, refusal } = planPrefix(locked, parts);
  if (refusal) throw refusal.error;
  return plan;
}

/**
 * Plans the parts up to the first one refused (independent appends batched together: those
 * before it still commit), and says which one that was and why.
 */
export function planPrefix(
  locked: ReadonlyMap<string, LockedStream>,
  parts: readonly AtomicPart[],
): { plan: AppendPlan; refusal: { index: number; error: Error } | undefined } {
  const chunks: Array<ChunkRow & { path: string }> = [];
  const index: Array<IndexEntry & { path: string }> = [];
  const added = new Map<string, number>();
  let refusal: { index: number; error: Error } | undefined;
  for (const [at, { path, record }] of parts.entries()) {
    const stream = locked.get(path);
    const error = stream ? refusalOf(stream, record) : new StoreMissingError(path);
    if (error || !stream) {
      refusal = { index: at, error: error ?? new StoreMissingError(path) };
      break;
    }
    const json = isJsonContentType(stream.meta.contentType);
    for (const entry of indexEntriesOf(stream, record, json)) index.push({ path, ...entry });
    for (const chunk of chunksOf(record.position, record.data, stream.base, stream.unitBytes)) {
      chunks.push({ path, ...chunk });
    }
    added.set(path, (added.get(path) ?? 0) + record.data.length);
    applyRecord(stream, record);
  }
  const accepted = parts.slice(0, refusal?.index ?? parts.length);
  const streams = [...new Set(accepted.map((p) => p.path))].map((path) => locked.get(path)!);
  const producers = streams.flatMap((stream) =>
    [...stream.producerMap()].map(([id, state]) => ({ path: stream.meta.path, id, state })),
  );
  return { plan: { chunks, index, producers, streams, added }, refusal };
}

/** Why `record` cannot be appended to the locked stream, if it cannot. */
function refusalOf(stream: LockedStream, record: AppendRecord): StoreConflictError | undefined {
  const path = stream.meta.path;
  // Another server closed or deleted the stream after this one decided: re-decide (it will
  // see the closure) rather than append past it.
  if (stream.closed || stream.softDeleted) {
    const why = stream.closed ? "closed" : "deleted";
    return new StoreConflictError(path, "position", `Append at ${record.position} to ${path}, which is ${why}`);
  }
  const earlier = identityConflict(stream.meta, record);
  if (earlier) return earlier;
  if (record.position !== stream.tail) {
    return new StoreConflictError(
      path,
      "position",
      `Append at ${record.position} does not start at the stored tail ${stream.tail}`,
    );
  }
  return undefined;
}
