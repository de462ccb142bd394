/**
 * Deleting and expiring streams (PROTOCOL §4.2, §5.4): a stream stays exactly as it was, to
 * every request, until its removal is durable; a source with live forks is kept soft-deleted
 * until its last fork goes, and that garbage collection cascades up the fork chain. Fork
 * reference counts come from the store (StoredStream.forks) plus forks still being created.
 */
import { isExpired } from "@rivulet/protocol";
import type { Store } from "../store/types.js";
import type { AccessLog } from "./access-log.js";
import type { EventFeed } from "./events.js";
import type { StreamRegistry } from "./registry.js";
import { storeError } from "./store-errors.js";
import type { StreamState } from "./stream-state.js";

type Cause = "request" | "expired" | "released";

export class Removal {
  /** Paths whose removal is being made durable; a re-create waits for it (and fails if it fails). */
  private readonly removing = new Map<string, Promise<void>>();
  /** Forks being created, by source path: they hold their source like existing forks. */
  private readonly pendingForks = new Map<string, number>();
  /** Streams whose expiry was announced, so `expired` is emitted once. */
  private readonly announced = new WeakSet<StreamState>();

  constructor(
    private readonly store: Store,
    private readonly registry: StreamRegistry,
    private readonly events: EventFeed,
    private readonly accesses: AccessLog,
    private readonly now: () => number,
  ) {}

  /**
   * For a create of `path`: the stream there now, once any removal or expiry of a previous one
   * is durable (a re-create must not race its predecessor's removal).
   */
  async liveForCreate(path: string): Promise<StreamState | undefined> {
    await this.removing.get(path)?.catch(() => {});
    let existing = await this.registry.find(path);
    if (existing?.ready) await existing.ready;
    if (existing && (await this.expiredNow(existing))) {
      await this.removing.get(path);
      existing = undefined;
    }
    return existing && this.registry.holds(existing) ? existing : undefined;
  }

  /**
   * False when the stream is not expired. Otherwise its removal starts (or it is kept
   * soft-deleted for its forks), and the answer is whether it is gone to clients now.
   */
  expiredNow(stream: StreamState): false | Promise<boolean> {
    if (!isExpired(stream.meta.lifetime, stream.lastAccess, this.now())) return false;
    // Another server may have seen a later access (a sliding TTL on a shared store).
    return this.accesses.expired(stream).then((expired) => expired && this.expire(stream));
  }

  /** A fork of `source` is being created: the source counts it until the returned function runs. */
  holdSource(source: string): () => void {
    this.pendingForks.set(source, (this.pendingForks.get(source) ?? 0) + 1);
    return () => {
      const left = (this.pendingForks.get(source) ?? 1) - 1;
      if (left > 0) this.pendingForks.set(source, left);
      else this.pendingForks.delete(source);
    };
  }

  /** Whether a fork of `source` is being created. */
  forkPending(source: string): boolean {
    return this.pendingForks.has(source);
  }

  async delete(stream: StreamState): Promise<void> {
    if ((await this.forksOf(stream.path)) > 0) {
      // §5.4: forks still read this stream's data; keep it, answer 410 from now on.
      await this.settle(stream, this.store.markDeleted(stream.path), () => this.softDeleted(stream, "request"));
      return;
    }
    await this.removeFully(stream, "request");
  }

  /** Expired streams, and soft-deleted ones whose last fork has gone but whose removal failed before. */
  async sweep(): Promise<void> {
    for (const stream of [...this.registry.values()]) {
      if (stream.ready) continue;
      if (await this.expiredNow(stream)) continue;
      if (stream.softDeleted && (await this.forksOf(stream.path)) === 0) {
        await this.removeFully(stream, "released").catch(() => {});
      }
    }
  }

  private async expire(stream: StreamState): Promise<boolean> {
    if (!this.announced.has(stream)) {
      this.announced.add(stream);
      this.events.emit({ type: "expired", path: stream.path });
    }
    if ((await this.forksOf(stream.path)) > 0) {
      if (!stream.softDeleted) {
        this.softDeleted(stream, "expired");
        this.store.markDeleted(stream.path).catch(() => {
          stream.softDeleted = false; // not durable: expire again next time
        });
      }
      return false;
    }
    void this.removeFully(stream, "expired").catch(() => {});
    return true;
  }

  /** Removes a stream once its removal is durable; one removal per stream at a time. */
  private removeFully(stream: StreamState, cause: Cause): Promise<void> {
    const pending = this.removing.get(stream.path);
    if (pending) return pending;
    if (!this.registry.holds(stream)) return Promise.resolve();
    const removal = this.settle(stream, this.store.remove(stream.path), () => {
      this.registry.forget(stream);
      stream.live?.wakeAll("gone");
      this.events.emit({ type: "deleted", path: stream.path, soft: false, cause, ...sourceOf(stream) });
    }).finally(() => {
      if (this.removing.get(stream.path) === removal) this.removing.delete(stream.path);
    });
    this.removing.set(stream.path, removal);
    return removal.then(() => this.releaseSource(stream));
  }

  /**
   * §4.2: garbage collection cascades up the fork chain. The fork's own removal stands whatever
   * happens here. Whether the source is soft-deleted comes from the store, not from memory: on
   * a shared store another server may have deleted it after this one loaded it (a fork made
   * here reads its source), and a soft delete is never undone for the same stream.
   */
  private async releaseSource(fork: StreamState): Promise<void> {
    const sourcePath = fork.meta.fork?.source;
    if (sourcePath === undefined) return;
    const stored = await this.store.lookup(sourcePath);
    if (!stored?.softDeleted || stored.forks + (this.pendingForks.get(sourcePath) ?? 0) > 0) return;
    const source = await this.registry.find(sourcePath);
    if (!source || source.meta.createdAt !== stored.meta.createdAt) return;
    source.softDeleted = true; // the stored state: its soft delete was announced where it happened
    // If this fails (a full disk), the sweep tries again.
    await this.removeFully(source, "released").catch(() => {});
  }

  private softDeleted(stream: StreamState, cause: Cause): void {
    stream.softDeleted = true;
    stream.live?.wakeAll("gone");
    this.events.emit({ type: "deleted", path: stream.path, soft: true, cause, ...sourceOf(stream) });
  }

  private async forksOf(path: string): Promise<number> {
    const stored = await this.store.lookup(path);
    return (stored?.forks ?? 0) + (this.pendingForks.get(path) ?? 0);
  }

  /**
   * Runs a store change that other requests must not see half-done: they wait on `ready`
   * until it is durable, and `onDurable` applies it before any of them resumes. A failure
   * changes nothing and is mapped like an append's (507 for a full disk).
   */
  private async settle(stream: StreamState, change: Promise<void>, onDurable: () => void): Promise<void> {
    const applied = change.then(onDurable);
    const ready = applied.then(
      () => {},
      () => {},
    );
    stream.ready = ready;
    try {
      await applied;
    } catch (error) {
      throw storeError(error);
    } finally {
      if (stream.ready === ready) stream.ready = undefined;
    }
  }
}

function sourceOf(stream: StreamState): { source?: string } {
  const source = stream.meta.fork?.source;
  return source === undefined ? {} : { source };
}
