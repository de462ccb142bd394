/**
 * A sliding TTL (PROTOCOL §5.1) on a store several servers share: each server sees only the
 * reads and writes made through it, so it records them in the store (Store.touch), and a
 * stream its own accesses call expired is first checked against the latest access any server
 * recorded. Records are coarse, one per stream and RECORD_INTERVAL_MS at most, plus one at the
 * end of an interval for the accesses inside it: the store is never more than an interval
 * behind, so a TTL of at least that long never expires a stream early on another server. A
 * server alone on its store (no `shared`) writes nothing and asks nothing: it sees every access.
 */
import { isExpired } from "@rivulet/protocol";
import type { Store, StoredStream } from "../store/types.js";
import type { StreamState } from "./stream-state.js";

export const RECORD_INTERVAL_MS = 1_000;

export class AccessLog {
  /** The access time last sent to the store, per stream. */
  private readonly recorded = new WeakMap<StreamState, number>();
  /** Streams with a record due at the end of their interval. */
  private readonly due = new Set<StreamState>();
  private readonly touch: ((path: string, at: number) => Promise<void>) | undefined;

  constructor(
    private readonly store: Store,
    shared: boolean,
    private readonly now: () => number,
  ) {
    this.touch = shared ? store.touch?.bind(store) : undefined;
  }

  /**
   * The last access of a stream loaded from the store: the one recorded there when servers
   * share it (so a server loading a stream late does not restart its TTL), else now.
   */
  loaded(stored: StoredStream): number {
    const now = this.now();
    return this.touch && stored.lastAccess !== undefined ? Math.min(stored.lastAccess, now) : now;
  }

  /** The stream was read or written now. */
  accessed(stream: StreamState): void {
    const at = this.now();
    stream.lastAccess = at;
    if (!this.touch || this.due.has(stream)) return;
    const last = this.recorded.get(stream);
    if (last === undefined || at - last >= RECORD_INTERVAL_MS) {
      this.record(stream, at);
      return;
    }
    this.due.add(stream);
    const timer = setTimeout(
      () => {
        this.due.delete(stream);
        this.record(stream, stream.lastAccess);
      },
      last + RECORD_INTERVAL_MS - at,
    );
    timer.unref();
  }

  /**
   * Whether the stream's TTL or expiry time has passed (PROTOCOL §5.1), by the latest access
   * any server recorded when this server's own accesses say it has: that one is adopted.
   */
  async expired(stream: StreamState): Promise<boolean> {
    if (!isExpired(stream.meta.lifetime, stream.lastAccess, this.now())) return false;
    if (!this.touch || stream.meta.lifetime.ttlSeconds === undefined) return true;
    const stored = await this.store.lookup(stream.path);
    if (stored?.lastAccess === undefined || stored.meta.createdAt !== stream.meta.createdAt) return true;
    if (stored.lastAccess > stream.lastAccess) stream.lastAccess = stored.lastAccess;
    return isExpired(stream.meta.lifetime, stream.lastAccess, this.now());
  }

  private record(stream: StreamState, at: number): void {
    this.recorded.set(stream, at);
    // Advisory: a record lost (the store down) is made good by the next access's record.
    this.touch?.(stream.path, at).catch(() => {});
  }
}
