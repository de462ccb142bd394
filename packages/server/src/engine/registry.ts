/**
 * The streams the engine holds in memory: a cache in front of the store, filled on demand by
 * lookups (one lookup per path at a time), so a store need not return every stream at open.
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
    if (cached) return cached;
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

  /** Whether `stream` is (still) the stream at its path. */
  holds(stream: StreamState): boolean {
    return this.cached.get(stream.path) === stream;
  }

  set(stream: StreamState): void {
    this.cached.set(stream.path, stream);
  }

  /** Drops `stream` from memory (it was removed, or another server removed it). */
  forget(stream: StreamState): void {
    if (this.cached.get(stream.path) !== stream) return;
    this.cached.delete(stream.path);
    this.removals.set(stream.path, (this.removals.get(stream.path) ?? 0) + 1);
  }

  values(): IterableIterator<StreamState> {
    return this.cached.values();
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
      this.cached.set(path, stream);
      return stream;
    } finally {
      this.loading.delete(path);
    }
  }
}
