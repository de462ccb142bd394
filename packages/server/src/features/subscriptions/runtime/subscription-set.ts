/**
 * The subscriptions in memory with the indexes the hot path needs: which subscriptions link a
 * stream path, each linked stream's durable extent, and each subscription's streams with
 * pending work (tail past the cursor, PROTOCOL §7). Records go through the one reducer; the
 * indexes follow every change. Links the pattern makes for streams created after the
 * subscription live here first and reach the log with their first ack (reducer.ts).
 */
import { compileGlob, type Glob, type GlobLimits } from "../glob.js";
import type { StreamExtent } from "../state/decide.js";
import type { Link, Subscription } from "../state/model.js";
import type { SubscriptionRecord } from "../state/records.js";
import { applyRecord, type Subscriptions } from "../state/reducer.js";

export interface PendingStream {
  readonly path: string;
  readonly link: Link;
  readonly extent: StreamExtent;
}

export class SubscriptionSet {
  readonly subscriptions: Subscriptions = new Map();
  private readonly byPath = new Map<string, Set<string>>();
  private readonly extents = new Map<string, StreamExtent>();
  private readonly pending = new Map<string, Set<string>>();
  private readonly globs = new Map<string, Glob>();

  constructor(
    private readonly globLimits: GlobLimits,
    private readonly maxLinks: number,
  ) {}

  /** Forgets everything (before the state is replayed again). */
  clear(): void {
    this.subscriptions.clear();
    this.byPath.clear();
    this.extents.clear();
    this.pending.clear();
    this.globs.clear();
  }

  get(id: string): Subscription | undefined {
    return this.subscriptions.get(id);
  }

  get size(): number {
    return this.subscriptions.size;
  }

  /** Applies a decided or replayed record, and brings the indexes up to date. */
  apply(record: SubscriptionRecord): void {
    const before = this.subscriptions.get(record.id);
    if (record.t === "delete" || (record.t === "sub" && before)) this.forget(record.id);
    applyRecord(this.subscriptions, record);
    const sub = this.subscriptions.get(record.id);
    if (!sub) return;
    switch (record.t) {
      case "sub":
        if (sub.config.pattern !== null) this.globs.set(sub.id, compileGlob(sub.config.pattern, this.globLimits));
        for (const path of sub.links.keys()) this.index(sub, path);
        return;
      case "link":
      case "unlink":
        this.index(sub, record.path);
        return;
      case "ack":
        for (const [path] of record.acks) this.index(sub, path);
        return;
    }
  }

  /** Compiled patterns by subscription id. */
  patterns(): ReadonlyMap<string, Glob> {
    return this.globs;
  }

  /** Subscriptions whose pattern matches a stream-root-relative path. */
  *matching(relative: string): Iterable<Subscription> {
    for (const [id, glob] of this.globs) {
      if (glob.matches(relative)) yield this.subscriptions.get(id)!;
    }
  }

  /** Subscriptions linking `path`. */
  *linking(path: string): Iterable<Subscription> {
    const ids = this.byPath.get(path);
    if (!ids) return;
    for (const id of ids) yield this.subscriptions.get(id)!;
  }

  /** Whether `path` is linked by any subscription (the cheap test every append makes). */
  isLinked(path: string): boolean {
    return this.byPath.has(path);
  }

  extent(path: string): StreamExtent | undefined {
    return this.extents.get(path);
  }

  /**
   * The stream at `path` is now `extent` (or gone). A cursor of another stream incarnation
   * starts over at the new stream's first position; pending work is recomputed.
   */
  setExtent(path: string, extent: StreamExtent | undefined): void {
    if (extent) this.extents.set(path, extent);
    else this.extents.delete(path);
    for (const sub of this.linking(path)) {
      const link = sub.links.get(path)!;
      if (extent && link.stream !== extent.stream) {
        link.stream = extent.stream;
        link.acked = extent.start;
      }
      this.refreshPending(sub, path);
    }
  }

  /** The durable tail of a linked stream moved (an append). */
  advance(path: string, tail: number): void {
    const extent = this.extents.get(path);
    if (!extent || tail <= extent.tail) return;
    this.setExtent(path, { ...extent, tail });
  }

  /**
   * Links a stream the pattern matches (memory only until acked). False when the subscription
   * already links as many streams as allowed.
   */
  linkByPattern(sub: Subscription, path: string, link: Link): boolean {
    const existing = sub.links.get(path);
    if (existing) {
      existing.glob = true;
      return true;
    }
    if (sub.links.size >= this.maxLinks) return false;
    sub.links.set(path, link);
    this.index(sub, path);
    return true;
  }

  /**
   * The stream at `path` is gone: pattern links go with it; an explicit link stays, with its
   * cursor back at the start for whatever stream is created there next.
   */
  unlinkDeleted(path: string): void {
    this.extents.delete(path);
    for (const sub of [...this.linking(path)]) {
      const link = sub.links.get(path)!;
      if (link.explicit) {
        link.glob = false;
        link.stream = null;
        link.acked = 0;
      } else {
        sub.links.delete(path);
      }
      this.index(sub, path);
    }
  }

  hasPending(sub: Subscription): boolean {
    return (this.pending.get(sub.id)?.size ?? 0) > 0;
  }

  /** Up to `limit` streams with pending work, in path order. */
  pendingOf(sub: Subscription, limit: number): PendingStream[] {
    const paths = [...(this.pending.get(sub.id) ?? [])].sort();
    return paths.slice(0, limit).map((path) => ({ path, link: sub.links.get(path)!, extent: this.extents.get(path)! }));
  }

  /** Bytes past the cursors of a subscription's streams. */
  lag(sub: Subscription): number {
    let bytes = 0;
    for (const path of this.pending.get(sub.id) ?? [])
      bytes += this.extents.get(path)!.tail - sub.links.get(path)!.acked;
    return bytes;
  }

  /** Keeps byPath and pending right for one link of one subscription. */
  private index(sub: Subscription, path: string): void {
    const linked = sub.links.has(path);
    let ids = this.byPath.get(path);
    if (linked) {
      if (!ids) {
        ids = new Set();
        this.byPath.set(path, ids);
      }
      ids.add(sub.id);
    } else if (ids) {
      ids.delete(sub.id);
      if (ids.size === 0) {
        this.byPath.delete(path);
        this.extents.delete(path);
      }
    }
    this.refreshPending(sub, path);
  }

  private refreshPending(sub: Subscription, path: string): void {
    const link = sub.links.get(path);
    const extent = this.extents.get(path);
    const pending = !!link && !!extent && link.stream === extent.stream && extent.tail > link.acked;
    let paths = this.pending.get(sub.id);
    if (pending) {
      if (!paths) {
        paths = new Set();
        this.pending.set(sub.id, paths);
      }
      paths.add(path);
    } else if (paths) {
      paths.delete(path);
      if (paths.size === 0) this.pending.delete(sub.id);
    }
  }

  /** Drops a subscription's index entries (before it is deleted or replaced). */
  private forget(id: string): void {
    const sub = this.subscriptions.get(id);
    if (!sub) return;
    for (const path of sub.links.keys()) {
      const ids = this.byPath.get(path);
      ids?.delete(id);
      if (ids?.size === 0) {
        this.byPath.delete(path);
        this.extents.delete(path);
      }
    }
    this.pending.delete(id);
    this.globs.delete(id);
  }
}
