/**
 * Moving a stream's earliest position (docs/extensions.md, "Retention" and "Trim"): by an
 * explicit trim, or by retention in the background. The rules are retention-rules.ts; this
 * module finds what they need (times, index entries, units, what forks read), asks the store
 * to persist the new earliest position and drop whole units, and tells the engine. Trims of
 * one stream run one at a time.
 */
import type { Retention } from "@rivulet/protocol";
import type { Store } from "../store/types.js";
import { firstAtOrAfter, type IndexReads, messageAt, source } from "./positions.js";
import { type ForkNeed, pinOf, retentionLimit, unitTrimPoint } from "./retention-rules.js";
import { storeError } from "./store-errors.js";
import type { StreamState } from "./stream-state.js";

export interface TrimHost extends IndexReads {
  readonly store: Store;
  now(): number;
  /** Whether a fork of `path` is being created (it starts from the source's earliest position). */
  forkPending(path: string): boolean;
  /** The trim is durable: the engine updates the stream and tells its listeners. */
  trimmed(stream: StreamState, earliest: number): void;
}

export interface RetainOutcome {
  /** Units freed now. */
  readonly freed: number;
  /** When retention could free more, ms since the epoch (now: at once); undefined: after more appends. */
  readonly due: number | undefined;
}

export class Trimmer {
  private readonly running = new Map<StreamState, Promise<unknown>>();

  constructor(private readonly host: TrimHost) {}

  /**
   * An explicit trim: the earliest position moves to the last message boundary at or before
   * `position` (never backwards, never below what forks read). Resolves with the new earliest.
   */
  trimTo(stream: StreamState, position: number): Promise<number> {
    return this.serially(stream, async () => {
      const limit = Math.min(position, stream.tail, await this.pin(stream));
      const target = await this.boundaryAtOrBefore(stream, limit);
      if (target > stream.earliest) await this.persist(stream, target);
      return stream.earliest;
    });
  }

  /** Frees what `retention` lets go, at most `maxUnits` units. */
  retain(stream: StreamState, retention: Retention, maxUnits: number): Promise<RetainOutcome> {
    return this.serially(stream, async () => {
      const limit = await this.limit(stream, retention);
      if (limit === undefined || limit <= stream.earliest) return { freed: 0, due: await this.due(stream, retention) };
      let target = stream.earliest;
      // A fork first lets go of what it inherited (no units of its own: its source's pin moves).
      if (target < stream.base)
        target = Math.max(target, await this.boundaryAtOrBefore(stream, Math.min(limit, stream.base)));
      const units = target >= stream.base ? await this.host.store.headUnits(stream.path, maxUnits) : [];
      const point = await unitTrimPoint(units, limit, (at) => this.firstOwnAtOrAfter(stream, at));
      if (point !== undefined) target = Math.max(target, point);
      const freed = units.filter((end) => end <= target).length;
      if (target > stream.earliest) await this.persist(stream, target);
      const more = freed === maxUnits && freed > 0;
      return { freed, due: more ? this.host.now() : await this.due(stream, retention) };
    });
  }

  /** Where retention lets data go up to, within what forks read; undefined when nothing may go. */
  private async limit(stream: StreamState, retention: Retention): Promise<number | undefined> {
    // A deleted stream kept for its forks keeps only what they read (nobody else can read it).
    const own = stream.softDeleted
      ? stream.tail
      : retentionLimit(
          stream.tail,
          retention,
          retention.ms === undefined
            ? undefined
            : (await firstAtOrAfter(this.host, stream, this.host.now() - retention.ms)).position,
        );
    if (own === undefined) return undefined;
    return Math.min(own, await this.pin(stream));
  }

  /** The lowest position forks of `stream` (and forks of those) read; the tail when none. */
  private async pin(stream: StreamState): Promise<number> {
    if (this.host.forkPending(stream.path)) return stream.earliest;
    return pinOf(await this.forkNeeds(stream.path)) ?? stream.tail;
  }

  private async forkNeeds(path: string): Promise<ForkNeed[]> {
    const needs: ForkNeed[] = [];
    for (const fork of await this.host.store.forksOf(path)) {
      const pending = this.host.forkPending(fork.meta.path);
      const pin = pending ? fork.earliest : pinOf(await this.forkNeeds(fork.meta.path));
      needs.push({ position: fork.meta.fork!.position, need: Math.min(fork.earliest, pin ?? fork.earliest) });
    }
    return needs;
  }

  /** The last message boundary at or before `position` where an index entry starts (or the earliest). */
  private async boundaryAtOrBefore(stream: StreamState, position: number): Promise<number> {
    if (position >= stream.tail) return stream.tail;
    if (position < stream.base && stream.meta.fork) {
      const found = await this.boundaryAtOrBefore(await source(this.host, stream), position);
      return Math.max(stream.earliest, found);
    }
    const [floor] = await this.host.seekStored(stream, { position }, 1);
    if (!floor || floor.position > position) return Math.max(stream.earliest, Math.min(position, stream.base));
    return Math.max(stream.earliest, floor.position);
  }

  /** The first index entry of the stream's own at or after `position`. */
  private async firstOwnAtOrAfter(stream: StreamState, position: number): Promise<number | undefined> {
    const entries = await this.host.seekStored(stream, { position }, 2);
    return (
      entries.find((entry) => entry.position >= position)?.position ??
      (position >= stream.tail ? stream.tail : undefined)
    );
  }

  /** When age-based retention can next free something: once the first message past the next unit ages out. */
  private async due(stream: StreamState, retention: Retention): Promise<number | undefined> {
    if (retention.ms === undefined) return undefined;
    let next: number | undefined;
    if (stream.earliest < stream.base) {
      next = (
        await firstAtOrAfter(this.host, stream, ((await messageAt(this.host, stream, stream.earliest)).ts ?? 0) + 1)
      ).position;
    } else {
      const [end] = await this.host.store.headUnits(stream.path, 1);
      next = end === undefined ? undefined : await this.firstOwnAtOrAfter(stream, end);
    }
    if (next === undefined || next >= stream.tail) return undefined;
    const { ts } = await messageAt(this.host, stream, next);
    return ts === undefined ? undefined : ts + retention.ms;
  }

  private async persist(stream: StreamState, earliest: number): Promise<void> {
    try {
      await this.host.store.trim(stream.path, earliest);
    } catch (error) {
      throw storeError(error);
    }
    this.host.trimmed(stream, earliest);
  }

  private serially<T>(stream: StreamState, work: () => Promise<T>): Promise<T> {
    const previous = this.running.get(stream) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    this.running.set(stream, next);
    const clear = () => {
      if (this.running.get(stream) === next) this.running.delete(stream);
    };
    next.then(clear, clear);
    return next;
  }
}
