/**
 * Compaction in the background (docs/kafka-layer.md, "Compaction"): the partitions of
 * compacted topics (and the change feed) are compacted by passes (engine/compaction.ts) when
 * enough of their whole units is new since the last pass — Kafka's min.cleanable.dirty.ratio —
 * or when a tombstone they keep reaches its delay. Every tick reads a bounded number of bytes
 * over all of them, taking turns, so compaction never crowds out appends. A pass a crash
 * interrupts is simply run again: each unit's rewrite is atomic, and passes only ever remove.
 */
import type { CompactionPass } from "../../../engine/compaction.js";
import type { Engine } from "../../../engine/engine.js";
import type { Logger } from "../../../ops/logger.js";
import type { ResolvedTopicSettings } from "../settings.js";

export interface CompactionObserver {
  /** A pass finished. */
  passDone(): void;
  /** Units were rewritten, freeing `bytes`. */
  rewritten(units: number, bytes: number): void;
}

interface Tracked {
  deleteRetentionMs: number;
  pass: CompactionPass | undefined;
  /** Where the last finished pass ended (0 until one has). */
  cleanEnd: number;
  /** Appended to since it was last found not due. */
  dirty: boolean;
  /** When a kept tombstone reaches its delay. */
  tombstoneDue: number | undefined;
  /** After a failure, not before this. */
  retryAt: number;
}

/** After a failed pass, how long before the stream is tried again. */
const RETRY_MS = 5000;
const ALL_UNITS = 1 << 30;

export class Compactor {
  private readonly streams = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly settings: ResolvedTopicSettings["compaction"],
    private readonly logger: Logger,
    private readonly observer: CompactionObserver,
  ) {}

  /** Compacts the stream at `path` from now on, with this tombstone delay. */
  track(path: string, deleteRetentionMs: number): void {
    const known = this.streams.get(path);
    if (known) {
      if (known.deleteRetentionMs !== deleteRetentionMs) known.tombstoneDue = this.engine.now();
      known.deleteRetentionMs = deleteRetentionMs;
      return;
    }
    this.streams.set(path, {
      deleteRetentionMs,
      pass: undefined,
      cleanEnd: 0,
      dirty: true,
      tombstoneDue: undefined,
      retryAt: 0,
    });
  }

  untrack(path: string): void {
    this.streams.delete(path);
  }

  /** Where the last finished pass over `path` ended; undefined before one has. */
  cleanedTo(path: string): number | undefined {
    const tracked = this.streams.get(path);
    return tracked && tracked.cleanEnd > 0 ? tracked.cleanEnd : undefined;
  }

  start(): void {
    this.stopListening = this.engine.events.on("appended", (event) => {
      const tracked = this.streams.get(event.path);
      if (tracked) tracked.dirty = true;
    });
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => {
        this.ticking = undefined;
      });
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopListening?.();
    await this.ticking;
  }

  /** One round: streams take turns until the tick's bytes are read. */
  async tick(): Promise<void> {
    let budget = this.settings.bytesPerTick;
    for (const [path, tracked] of [...this.streams]) {
      if (budget <= 0) break;
      if (this.streams.get(path) !== tracked) continue;
      try {
        if (!tracked.pass) {
          if (!(await this.due(path, tracked))) continue;
          tracked.pass = await this.engine.compaction(path, {
            deleteRetentionMs: tracked.deleteRetentionMs,
            maxKeys: this.settings.maxKeysPerPass,
          });
          if (!tracked.pass) continue;
        }
        const progress = await tracked.pass.step(budget);
        budget -= progress.bytesRead;
        if (progress.unitsRewritten > 0) this.observer.rewritten(progress.unitsRewritten, progress.bytesFreed);
        if (progress.done) this.finished(tracked, tracked.pass);
      } catch (error) {
        tracked.pass = undefined;
        tracked.retryAt = this.engine.now() + RETRY_MS;
        this.logger.warn({ path, err: String(error) }, "compaction of a stream failed; it tries again");
      }
      // Its turn is over: the others go first next time.
      if (this.streams.get(path) === tracked) {
        this.streams.delete(path);
        this.streams.set(path, tracked);
      }
    }
  }

  private finished(tracked: Tracked, pass: CompactionPass): void {
    tracked.cleanEnd = pass.end;
    tracked.tombstoneDue = pass.tombstoneDue;
    tracked.pass = undefined;
    this.observer.passDone();
  }

  /** Whether a pass should start: enough new whole units, or a tombstone reached its delay. */
  private async due(path: string, tracked: Tracked): Promise<boolean> {
    const now = this.engine.now();
    if (tracked.retryAt > now) return false;
    const tombstone = tracked.tombstoneDue !== undefined && tracked.tombstoneDue <= now;
    if (!tracked.dirty && !tombstone) return false;
    const stream = await this.engine.stream(path);
    if (!stream || stream.softDeleted || !this.engine.holds(stream)) return false;
    const ends = await this.engine.store.headUnits(path, ALL_UNITS);
    const closedEnd = ends.at(-1) ?? stream.earliest;
    const fresh = closedEnd - Math.max(tracked.cleanEnd, stream.earliest);
    const total = closedEnd - stream.earliest;
    const ready = fresh > 0 && fresh >= this.settings.minDirtyRatio * total;
    if (!ready) tracked.dirty = false;
    return ready || (tombstone && total > 0);
  }
}
