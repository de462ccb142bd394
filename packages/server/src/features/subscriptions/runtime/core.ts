/** What the parts of the subscription runtime share: the engine, the state, and how changes are made durable. */
import type { Engine } from "../../../engine/engine.js";
import type { Logger } from "../../../ops/logger.js";
import type { StoredStream } from "../../../store/types.js";
import type { ResolvedSubscriptionSettings } from "../settings.js";
import type { StreamExtent } from "../state/decide.js";
import type { SubscriptionRecord } from "../state/records.js";
import type { SubscriptionSet } from "./subscription-set.js";

export interface Core {
  readonly engine: Engine;
  readonly set: SubscriptionSet;
  readonly settings: ResolvedSubscriptionSettings;
  readonly basePath: string;
  readonly logger: Logger;
  now(): number;
  random(): number;
  /**
   * Applies the records to the state at once (later decisions see them) and resolves once they
   * are durable: only then may anyone act on them (write-ahead).
   */
  commit(records: readonly SubscriptionRecord[]): Promise<void>;
}

/** `events/a` → `/v1/stream/events/a`. */
export function fullPath(core: Pick<Core, "basePath">, relative: string): string {
  return `${core.basePath}/${relative}`;
}

/** The stream-root-relative path of an application stream; undefined for internal and foreign paths. */
export function relativePath(core: Pick<Core, "basePath" | "engine">, full: string): string | undefined {
  if (!full.startsWith(`${core.basePath}/`) || core.engine.isInternal(full)) return undefined;
  return full.slice(core.basePath.length + 1);
}

/**
 * The stream at a full path as subscriptions see it: its identity and durable extent, or
 * undefined when there is none for clients (absent, being created, soft-deleted).
 */
export async function currentExtent(
  engine: Engine,
  full: string,
  stored?: StoredStream,
): Promise<StreamExtent | undefined> {
  if (engine.inMemory(full)) return liveExtent(engine, full, undefined);
  const found = stored ?? (await engine.store.lookup(full));
  const known =
    found && !found.softDeleted
      ? { stream: found.meta.createdAt, start: found.meta.fork?.position ?? 0, tail: found.tail }
      : undefined;
  return liveExtent(engine, full, known);
}

/**
 * The engine's in-memory view of the stream when it has one — newer than any lookup, and
 * read synchronously, so no append can slip between reading it and linking the stream —
 * else `known`. A stream not in memory has had no append since `known` was looked up
 * (an append loads it).
 */
export function liveExtent(engine: Engine, full: string, known: StreamExtent | undefined): StreamExtent | undefined {
  const live = engine.inMemory(full);
  if (!live) return known;
  if (live.ready || live.softDeleted) return undefined;
  return { stream: live.meta.createdAt, start: live.base, tail: live.tail };
}
