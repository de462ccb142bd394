/**
 * Windowed stream–stream join. Both sides are re-keyed by their key selector and written to ONE
 * internal topic, `<app>-<name>-join-repartition`, each record marked with its side in a
 * header: the two sides of a key meet in the same partition, so the same task — and the same
 * process, however the group shares partitions out — holds both buffers.
 *
 * A record joins every record of the other side with the same key whose event time is within
 * `window` of its own. A record is late when stream time is more than `grace` past its own
 * time. Each side's records are kept (in the store, so they are changelogged and restored)
 * until stream time passes their time plus window plus grace: by then no record that is not
 * late can be within `window` of them. In a left join, a left record that never met a right
 * one is emitted with `null` once it expires — only then is it known to have no match.
 */
import type { Fanout, StreamRecord, TaskContext } from "./topology.js";

export const JOIN_SIDE_HEADER = "rivulet-join-side";

export type JoinType = "inner" | "left";

export interface JoinSpec {
  store: string;
  windowMs: number;
  graceMs: number;
  type: JoinType;
  joiner: (left: unknown, right: unknown) => unknown;
}

interface Buffered {
  ts: number;
  value: unknown;
  headers: Readonly<Record<string, string>>;
  /** Left records: whether a right record has joined it. */
  matched: boolean;
}

const STREAM_TIME = "\u0000stream-time";

export class JoinNode {
  constructor(
    private readonly spec: JoinSpec,
    readonly downstream: Fanout,
  ) {}

  async process(ctx: TaskContext, record: StreamRecord): Promise<void> {
    const side = record.headers[JOIN_SIDE_HEADER] === "right" ? "right" : "left";
    const { [JOIN_SIDE_HEADER]: _, ...headers } = record.headers;
    const key = record.key ?? "";
    const store = ctx.store(this.spec.store);
    const streamTime = Math.max((store.get(STREAM_TIME) as number | undefined) ?? Number.NEGATIVE_INFINITY, record.ts);
    store.put(STREAM_TIME, streamTime);
    if (record.ts + this.spec.graceMs < streamTime) {
      ctx.late();
    } else {
      const mineId = `${side === "left" ? "l" : "r"}:${key}`;
      const otherId = `${side === "left" ? "r" : "l"}:${key}`;
      const others = (store.get(otherId) as Buffered[] | undefined) ?? [];
      const mine: Buffered = { ts: record.ts, value: record.value, headers, matched: false };
      const joined = others.filter((o) => Math.abs(o.ts - record.ts) <= this.spec.windowMs);
      for (const other of joined) {
        const [left, right] = side === "left" ? [mine, other] : [other, mine];
        left.matched = true;
        await this.#emit(ctx, key, left, right);
      }
      if (side === "right" && joined.length > 0) store.put(otherId, others);
      store.put(mineId, [...((store.get(mineId) as Buffered[] | undefined) ?? []), mine]);
    }
    await this.#expire(ctx, streamTime);
  }

  async advance(ctx: TaskContext, to: number): Promise<void> {
    const store = ctx.store(this.spec.store);
    const streamTime = Math.max((store.get(STREAM_TIME) as number | undefined) ?? Number.NEGATIVE_INFINITY, to);
    store.put(STREAM_TIME, streamTime);
    await this.#expire(ctx, streamTime);
  }

  #expired(ts: number, streamTime: number): boolean {
    return ts + this.spec.windowMs + this.spec.graceMs < streamTime;
  }

  /** Records no later record can join any more are forgotten; unmatched left ones of a left join are emitted with null. */
  async #expire(ctx: TaskContext, streamTime: number): Promise<void> {
    const store = ctx.store(this.spec.store);
    for (const [id, list] of [...store.entries()]) {
      if (!id.startsWith("l:") && !id.startsWith("r:")) continue;
      const records = list as Buffered[];
      const kept = records.filter((r) => !this.#expired(r.ts, streamTime));
      if (kept.length === records.length) continue;
      if (kept.length === 0) store.delete(id);
      else store.put(id, kept);
      if (this.spec.type === "left" && id.startsWith("l:")) {
        for (const r of records)
          if (!r.matched && this.#expired(r.ts, streamTime)) await this.#emit(ctx, id.slice(2), r, undefined);
      }
    }
  }

  #emit(ctx: TaskContext, key: string, left: Buffered, right: Buffered | undefined): Promise<void> {
    return this.downstream.process(ctx, {
      key,
      value: this.spec.joiner(left.value, right === undefined ? null : right.value),
      ts: Math.max(left.ts, right?.ts ?? left.ts),
      headers: left.headers,
    });
  }
}
