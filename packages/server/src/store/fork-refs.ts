/**
 * Which existing forks read each source stream (PROTOCOL §4.2 reference count), kept by a
 * store beside its streams so a lookup can answer how many there are and retention which
 * ones pin the source's data.
 */
import type { StreamMeta } from "./types.js";

const NONE: ReadonlySet<string> = new Set();

export class ForkRefs {
  private readonly forks = new Map<string, Set<string>>();

  /** A stream now exists: if it is a fork, its source gains a reference. */
  added(meta: StreamMeta): void {
    const source = meta.fork?.source;
    if (source === undefined) return;
    let set = this.forks.get(source);
    if (!set) {
      set = new Set();
      this.forks.set(source, set);
    }
    set.add(meta.path);
  }

  /** A stream was removed: if it was a fork, its source loses a reference. */
  removed(meta: StreamMeta): void {
    const source = meta.fork?.source;
    if (source === undefined) return;
    const set = this.forks.get(source);
    set?.delete(meta.path);
    if (set?.size === 0) this.forks.delete(source);
  }

  of(path: string): number {
    return this.forks.get(path)?.size ?? 0;
  }

  /** Paths of the forks of `path`. */
  pathsOf(path: string): ReadonlySet<string> {
    return this.forks.get(path) ?? NONE;
  }
}
