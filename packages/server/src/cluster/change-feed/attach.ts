/**
 * Joins an engine to a change feed (docs/cluster.md): the engine's own durable changes
 * (its event feed) are published, other nodes' notices re-read the streams the engine holds and
 * wake their live readers, and the streams live readers wait on are re-checked on an interval
 * in case a notice was lost. Each notice also becomes `remote` engine events (remote-events.ts),
 * so features that follow the engine (subscriptions, retention, topics) see the other nodes'
 * writes; those events are never published again, and a node never hears its own notices.
 */
import type { Engine } from "../../engine/engine.js";
import { LiveRecheck } from "./recheck.js";
import { needsRefresh } from "./refresh-rules.js";
import { Refresher } from "./refresher.js";
import { remoteEvents } from "./remote-events.js";
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
  const announce = new PerPathQueue();
  const lookup = (path: string) =>
    engine.store.lookup(path).catch((error: unknown) => {
      options.onError?.(error, path);
      return undefined;
    });
  const heard = (change: StreamChange) => {
    const held = engine.inMemory(change.path);
    const view = held && { tail: held.tail, closed: held.closed, live: held.live !== undefined };
    const refreshed = needsRefresh(change, view, engine.verifyReads) ? refresher.request(change.path) : undefined;
    // Features hear of the change after any re-read it asked for, in order per stream.
    announce.run(change.path, async () => {
      await refreshed;
      const stored = change.created ? await lookup(change.path) : undefined;
      for (const event of remoteEvents(change, stored)) engine.events.emit(event);
    });
  };
  const stops = [
    engine.events.on("created", (e) => {
      if (!e.remote) publish({ path: e.path, tail: e.tail, created: true });
    }),
    engine.events.on("appended", (e) => {
      if (!e.remote) publish({ path: e.path, tail: e.end });
    }),
    engine.events.on("closed", (e) => {
      if (!e.remote) publish({ path: e.path, tail: e.tail, closed: true });
    }),
    engine.events.on("deleted", (e) => {
      if (!e.remote) publish({ path: e.path, tail: 0, deleted: true });
    }),
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

/** Runs steps one after another per path (a stream's events stay in order), paths independently. */
class PerPathQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(path: string, step: () => Promise<void>): void {
    const next = (this.tails.get(path) ?? Promise.resolve()).then(step).catch(() => {});
    this.tails.set(path, next);
    void next.then(() => {
      if (this.tails.get(path) === next) this.tails.delete(path);
    });
  }
}
