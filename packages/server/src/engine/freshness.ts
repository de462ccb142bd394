/**
 * Keeping the streams a server holds in memory in step with a store that other servers write
 * too (docs/cluster.md). A write whose expectation another server broke re-reads the
 * stored state (`resync`); a read on a shared store first checks a few stored fields cheaply
 * (`verify`, Store.probe) and re-reads only when they moved, so no answer is older than a
 * write another server acknowledged (linearizable per stream). Adopting stored state wakes the
 * stream's live readers, which is how a change feed's notice or the re-check reaches them.
 */
import type { Store, StoredStream, StreamProbe } from "../store/types.js";
import type { StreamRegistry } from "./registry.js";
import type { StreamState } from "./stream-state.js";
import type { StreamWriter } from "./writer.js";

/** How often a re-read is retried when this server's own appends keep landing while it reads. */
const ADOPT_ATTEMPTS = 3;

export class Freshness {
  constructor(
    private readonly store: Store,
    private readonly registry: StreamRegistry,
    private readonly writer: StreamWriter,
  ) {}

  /**
   * Brings `stream` up to the stored state if the store moved past it; whether it did. A stream
   * removed or re-created elsewhere is dropped from memory (its live readers wake as `gone`),
   * so the next lookup finds whatever is at the path now.
   */
  async verify(stream: StreamState): Promise<boolean> {
    if (stream.ready) await stream.ready.catch(() => {});
    if (!this.registry.holds(stream)) return false;
    const probe = await this.probe(stream.path);
    if (!probe || probe.createdAt !== stream.meta.createdAt) {
      this.drop(stream);
      return true;
    }
    if (!moved(stream, probe)) return false;
    if (this.writer.busy(stream)) {
      // The store may already hold this server's own appends in flight: once they are
      // visible, the stream may well be where the store said.
      await this.writer.settled(stream);
      if (!moved(stream, probe)) return false;
    }
    await this.resync(stream);
    return true;
  }

  /** `verify` for the stream at `path` if it is in memory; false (nothing to do) when it is not. */
  async refresh(path: string): Promise<boolean> {
    const stream = this.registry.inMemory(path);
    return stream ? this.verify(stream) : false;
  }

  /**
   * Another server changed the stream: take the stored state once this server's own appends
   * have settled (adopting it under them would undo their decisions), and wake its readers.
   */
  async resync(stream: StreamState): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.writer.idle(stream);
      const stored = await this.store.lookup(stream.path);
      if (!stored || stored.meta.createdAt !== stream.meta.createdAt) {
        this.drop(stream);
        return;
      }
      if (this.writer.busy(stream)) {
        // An append of this server started while the store answered; its outcome (or the
        // conflict it meets) tells more than this answer.
        if (attempt < ADOPT_ATTEMPTS) continue;
        return;
      }
      this.adopt(stream, stored);
      return;
    }
  }

  private adopt(stream: StreamState, stored: StoredStream): void {
    const before = stream.tail;
    stream.adopt(stored);
    const live = stream.live;
    if (!live) return;
    if (stream.softDeleted) live.wakeAll("gone");
    else if (stream.tail !== before) live.wakeAll("data");
    else if (stream.closed) live.wakeAll("closed");
  }

  private drop(stream: StreamState): void {
    this.registry.forget(stream);
    stream.live?.wakeAll("gone");
  }

  private async probe(path: string): Promise<StreamProbe | undefined> {
    if (this.store.probe) return this.store.probe(path);
    const stored = await this.store.lookup(path);
    return stored && probeOf(stored);
  }
}

/**
 * Whether the store is ahead of what a server holds of the same stream (same createdAt). Each
 * field only ever moves forward, so a store answer older than the server's view is not a move.
 */
export function moved(
  stream: Pick<StreamState, "tail" | "closed" | "earliest" | "softDeleted">,
  probe: StreamProbe,
): boolean {
  return (
    probe.tail > stream.tail ||
    (probe.closed && !stream.closed) ||
    probe.earliest > stream.earliest ||
    (probe.softDeleted && !stream.softDeleted)
  );
}

export function probeOf(stored: StoredStream): StreamProbe {
  const { meta, tail, earliest, closed, softDeleted } = stored;
  return { createdAt: meta.createdAt, tail, earliest, closed, softDeleted };
}
