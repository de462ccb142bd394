/**
 * The aggregation node: folds each key's records into its store, unwindowed (a table: the
 * latest aggregate per key) or per event-time window. Results go downstream on every update,
 * or — `emit: "close"` — once, when stream time passes the window's end plus grace. Stream time
 * is kept in the store itself (a reserved key), so it is changelogged and restored with the
 * aggregates and a restarted task decides lateness exactly as the one before it.
 */
import type { Fanout, StreamRecord, TaskContext } from "./topology.js";
import { fixedWindowsOf, isClosed, slidingWindowOf, type Window, type WindowSpec } from "./windows.js";

export type Adder<A, V> = (aggregate: A, value: V, key: string) => A;

export interface AggregateSpec<A, V> {
  store: string;
  initial: () => A;
  add: Adder<A, V>;
  window: WindowSpec | undefined;
}

const STREAM_TIME = "\u0000stream-time";

interface WindowEntry {
  key: string;
  start: number;
  end: number;
  value: unknown;
}

interface SlidingRecord {
  ts: number;
  value: unknown;
}

export class AggregateNode<A, V> {
  constructor(
    private readonly spec: AggregateSpec<A, V>,
    readonly downstream: Fanout,
  ) {}

  async process(ctx: TaskContext, record: StreamRecord): Promise<void> {
    const key = record.key ?? "";
    const { window } = this.spec;
    if (window === undefined) {
      const store = ctx.store(this.spec.store);
      const previous = store.get(`k:${key}`) as A | undefined;
      const value = this.spec.add(previous === undefined ? this.spec.initial() : previous, record.value as V, key);
      store.put(`k:${key}`, value);
      await this.downstream.process(ctx, { key, value, ts: record.ts, headers: {} });
      return;
    }
    const store = ctx.store(this.spec.store);
    const streamTime = Math.max((store.get(STREAM_TIME) as number | undefined) ?? Number.NEGATIVE_INFINITY, record.ts);
    store.put(STREAM_TIME, streamTime);
    const accepted =
      window.kind === "sliding"
        ? await this.#sliding(ctx, window, key, record, streamTime)
        : await this.#fixed(ctx, window, key, record, streamTime);
    if (!accepted) {
      ctx.late();
      if (window.lateTopic !== undefined) {
        ctx.send({
          topic: window.lateTopic,
          key: record.key,
          value: record.value,
          ts: record.ts,
          headers: record.headers,
        });
      }
    }
    await this.#closeWindows(ctx, window, streamTime);
  }

  async advance(ctx: TaskContext, to: number): Promise<void> {
    const { window } = this.spec;
    if (window === undefined) return;
    const store = ctx.store(this.spec.store);
    const streamTime = Math.max((store.get(STREAM_TIME) as number | undefined) ?? Number.NEGATIVE_INFINITY, to);
    store.put(STREAM_TIME, streamTime);
    await this.#closeWindows(ctx, window, streamTime);
  }

  async #fixed(ctx: TaskContext, spec: WindowSpec, key: string, record: StreamRecord, streamTime: number) {
    const store = ctx.store(this.spec.store);
    const open = fixedWindowsOf(spec, record.ts).filter((w) => !isClosed(spec, w, streamTime));
    for (const w of open) {
      const id = windowId(key, w);
      const entry = store.get(id) as WindowEntry | undefined;
      const value = this.spec.add(
        entry === undefined ? this.spec.initial() : (entry.value as A),
        record.value as V,
        key,
      );
      store.put(id, { key, start: w.start, end: w.end, value });
      if (spec.emit === "update") await this.#emit(ctx, key, value, w);
    }
    return open.length > 0;
  }

  /**
   * Sliding: the record's own window `[ts - size + 1, ts + 1)` must still be open. Its records
   * are kept per key (for `size + grace`), and every open window that now holds the record —
   * its own and those of later records of the key — is folded again from them in event-time
   * order.
   */
  async #sliding(ctx: TaskContext, spec: WindowSpec, key: string, record: StreamRecord, streamTime: number) {
    const store = ctx.store(this.spec.store);
    const own = slidingWindowOf(spec, record.ts);
    if (isClosed(spec, own, streamTime)) return false;
    const listId = `r:${key}`;
    const kept = ((store.get(listId) as SlidingRecord[] | undefined) ?? []).filter(
      (r) => r.ts + spec.sizeMs + spec.graceMs > streamTime,
    );
    kept.push({ ts: record.ts, value: record.value });
    kept.sort((a, b) => a.ts - b.ts);
    store.put(listId, kept);
    const ends = new Set(kept.map((r) => r.ts).filter((ts) => ts >= record.ts && ts < record.ts + spec.sizeMs));
    for (const ts of [...ends].sort((a, b) => a - b)) {
      const w = slidingWindowOf(spec, ts);
      if (isClosed(spec, w, streamTime)) continue;
      let value = this.spec.initial();
      for (const r of kept) if (r.ts >= w.start && r.ts < w.end) value = this.spec.add(value, r.value as V, key);
      store.put(windowId(key, w), { key, start: w.start, end: w.end, value });
      if (spec.emit === "update") await this.#emit(ctx, key, value, w);
    }
    return true;
  }

  /** Windows whose end plus grace stream time has reached: final results (emit "close"), then forgotten. */
  async #closeWindows(ctx: TaskContext, spec: WindowSpec, streamTime: number): Promise<void> {
    const store = ctx.store(this.spec.store);
    const closed: WindowEntry[] = [];
    for (const [id, entry] of store.entries()) {
      if (!id.startsWith("w:")) continue;
      const e = entry as WindowEntry;
      if (isClosed(spec, e, streamTime)) closed.push(e);
    }
    closed.sort((a, b) => a.end - b.end || a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const e of closed) {
      store.delete(windowId(e.key, e));
      if (spec.emit === "close") await this.#emit(ctx, e.key, e.value, { start: e.start, end: e.end });
    }
    if (spec.kind === "sliding") {
      for (const [id, list] of [...store.entries()]) {
        if (!id.startsWith("r:")) continue;
        const kept = (list as SlidingRecord[]).filter((r) => r.ts + spec.sizeMs + spec.graceMs > streamTime);
        if (kept.length === 0) store.delete(id);
        else if (kept.length !== (list as SlidingRecord[]).length) store.put(id, kept);
      }
    }
  }

  #emit(ctx: TaskContext, key: string, value: unknown, window: Window): Promise<void> {
    return this.downstream.process(ctx, {
      key,
      value,
      ts: window.end - 1,
      headers: {},
      window: { start: window.start, end: window.end },
    });
  }
}

function windowId(key: string, w: Window): string {
  return `w:${w.start}:${w.end}:${key}`;
}
