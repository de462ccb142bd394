/**
 * Joins an engine to a change feed (docs/cluster.md): the engine's own durable changes
 * (its event feed) are published, other nodes' notices re-read the streams the engine holds and
 * wake their live readers, and the streams live readers wait on are re-checked on an interval
 * in case a notice was lost.
 */
import type { Engine } from "../../engine/engine.js";
import { LiveRecheck } from "./recheck.js";
import { needsRefresh } from "./refresh-rules.js";
import { Refresher } from "./refresher.js";
import type { ChangeFeed, StreamChange } from "./types.js";

export interface AttachOptions {
  /** How often streams with live readers are re-checked against the store (default 1 s). */
  readonly recheckIntervalMs?: number;
  /** How many streams a re-check reads at once (default 8). */
  readonly recheckConcurrency?: number;
  /** A re-read failed (the store is unreachable, say); the next notice or re-check tries again. */
  readonly onError?: (error: unknown, path: string) => void;
}

export interface AttachedFeed {
  /** Re-checks every stream live readers read now; resolves once done. */
  recheck(): Promise<void>;
  /** Stops publishing, listening and re-checking (the feed itself stays open). */
  detach(): void;
}

export function attachChangeFeed(engine: Engine, feed: ChangeFeed, options: AttachOptions = {}): AttachedFeed {
  const refresher = new Refresher(engine, options.onError ?? (() => {}));
  const recheck = new LiveRecheck(() => engine.livePaths(), refresher, options.recheckConcurrency ?? 8);
  const publish = (change: StreamChange) => feed.publish(change);
  const heard = (change: StreamChange) => {
    const held = engine.inMemory(change.path);
    const view = held && { tail: held.tail, closed: held.closed, live: held.live !== undefined };
    if (needsRefresh(change, view, engine.verifyReads)) void refresher.request(change.path);
  };
  const stops = [
    engine.events.on("created", (e) => publish({ path: e.path, tail: e.tail, created: true })),
    engine.events.on("appended", (e) => publish({ path: e.path, tail: e.end })),
    engine.events.on("closed", (e) => publish({ path: e.path, tail: e.tail, closed: true })),
    engine.events.on("deleted", (e) => publish({ path: e.path, tail: 0, deleted: true })),
    engine.events.on("trimmed", (e) =>
      publish({ path: e.path, tail: engine.inMemory(e.path)?.tail ?? 0, trimmed: true }),
    ),
    feed.onChange(heard),
    feed.onGap(() => void recheck.run()),
  ];
  recheck.start(options.recheckIntervalMs ?? 1000);
  return {
    recheck: () => recheck.run(),
    detach() {
      recheck.stop();
      for (const stop of stops) stop();
    },
  };
}
