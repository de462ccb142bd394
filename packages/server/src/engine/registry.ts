/**
 * The streams the engine holds in memory: a cache in front of the store, filled on demand by
 * lookups (one lookup per path at a time), so a store need not return every stream at open.
 *
 * Idle streams leave it (`evictIdle`), so memory follows the streams in use, not the streams
 * stored. A state may be held by an operation after it left: operations that change a stream
 * or wait on it across an await pin it (`pin`), and a pinned state never leaves; one that only
 * reads may see a state a moment old, as it would have a moment earlier. Whether a state is
 * still its path's stream is the explicit `removed` flag, never its presence here.
 */
import type { Store, StoredStream } from "../store/types.js";
import { StreamState } from "./stream-state.js";

export class StreamRegistry {
  private readonly cached = new Map<string, StreamState>();
  private readonly loading = new Map<string, Promise<StreamState | undefined>>();
  /** Bumped per path by every removal, so a lookup that raced one does not bring it back. */
  private readonly removals = new Map<string, number>();

  constructor(
    private readonly store: Store,
    /** A loaded stream's last access (AccessLog.loaded): its sliding TTL counts from it. */
    private readonly lastAccessOf: (stored: StoredStream) => number,
  ) {}

  /** The stream at `path` in whatever state (soft-deleted, being created), or undefined. */
  find(path: string): StreamState | undefined | Promise<StreamState | undefined> {
    const cached = this.cached.get(path);
    if (cached) {
      cached.used();
      return cached;
    }
    let loading = this.loading.get(path);
    if (!loading) {
      loading = this.load(path);
      this.loading.set(path, loading);
    }
    return loading;
  }

  /** The stream at `path` if it is in memory; never asks the store. */
  inMemory(path: string): StreamState | undefined {
    return this.cached.get(path);
  }

  /** Whether `stream` is (still) the stream at its path: not removed, not replaced. */
  holds(stream: StreamState): boolean {
    return !stream.removed;
  }

  /**
   * Keeps `stream` in memory until `unpin`, for an operation that changes it or waits on it
   * across awaits (the writer and the trimmer serialise per state object). Answers the state
   * to use: `stream` itself or, if it was evicted and a lookup has loaded the same stream
   * again since, that newer state; undefined when it was evicted and what is at its path now is
   * unknown here (look it up again). Callers pin right after their lookup, and a state looked up
   * survives the next sweep, so the evicted cases are a safety net.
   */
  pin(stream: StreamState): StreamState | undefined {
    let held = stream;
    if (stream.evicted) {
      const current = this.cached.get(stream.path);
      if (!current || current.meta.createdAt !== stream.meta.createdAt) return undefined;
      held = current;
    }
    held.pin();
    return held;
  }

  unpin(stream: StreamState): void {
    stream.unpin();
  }

  /** Holds a new stream at its path; a state it replaces is no longer the stream there. */
  set(stream: StreamState): void {
    const replaced = this.cached.get(stream.path);
    if (replaced && replaced !== stream) replaced.markRemoved();
    stream.used();
    this.cached.set(stream.path, stream);
  }

  /** Drops `stream` for good (it was removed, or another server removed it). */
  forget(stream: StreamState): void {
    if (stream.removed) return;
    stream.markRemoved();
    const current = this.cached.get(stream.path);
    // An evicted state stands for the one a lookup loaded since: the same stream.
    const same = current === stream || (stream.evicted && current?.meta.createdAt === stream.meta.createdAt);
    if (!current || !same) return;
    current.markRemoved();
    this.cached.delete(stream.path);
    this.removals.set(stream.path, (this.removals.get(stream.path) ?? 0) + 1);
  }

  values(): IterableIterator<StreamState> {
    return this.cached.values();
  }

  /** How many streams are in memory. */
  get size(): number {
    return this.cached.size;
  }

  /**
   * Drops every state that is quiescent (StreamState.quiescent), not looked up since the last
   * sweep, and that `busy` does not claim; a later lookup loads it again from the store. Runs
   * on a timer: a state unused for one to two sweep intervals goes. Answers how many went.
   */
  evictIdle(busy: (stream: StreamState) => boolean): number {
    let evicted = 0;
    for (const [path, stream] of this.cached) {
      if (stream.takeUsed() || !stream.quiescent || busy(stream)) continue;
      stream.evicted = true;
      this.cached.delete(path);
      evicted++;
    }
    return evicted;
  }

  private async load(path: string): Promise<StreamState | undefined> {
    const removals = this.removals.get(path);
    try {
      const stored = await this.store.lookup(path);
      // A create of this path may have finished while the store answered.
      const raced = this.cached.get(path);
      if (raced) return raced;
      if (!stored || this.removals.get(path) !== removals) return undefined;
      const stream = StreamState.fromStored(stored, this.lastAccessOf(stored));
      stream.used();
      this.cached.set(path, stream);
      return stream;
    } finally {
      this.loading.delete(path);
    }
  }
}
