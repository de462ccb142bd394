/**
 * How many existing forks read each source stream (PROTOCOL §4.2 reference count), kept by a
 * store beside its streams so a lookup can answer it.
 */
import type { StreamMeta } from "./types.js";

export class ForkRefs {
  private readonly counts = new Map<string, number>();

  /** A stream now exists: if it is a fork, its source gains a reference. */
  added(meta: StreamMeta): void {
    const source = meta.fork?.source;
    if (source !== undefined) this.counts.set(source, (this.counts.get(source) ?? 0) + 1);
  }

  /** A stream was removed: if it was a fork, its source loses a reference. */
  removed(meta: StreamMeta): void {
    const source = meta.fork?.source;
    if (source === undefined) return;
    const left = (this.counts.get(source) ?? 0) - 1;
    if (left > 0) this.counts.set(source, left);
    else this.counts.delete(source);
  }

  of(path: string): number {
    return this.counts.get(path) ?? 0;
  }
}
