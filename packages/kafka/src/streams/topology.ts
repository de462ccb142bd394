/**
 * The processing graph a stream builder produces: source topics, each with the nodes its
 * records flow into. Nodes are plain objects calling their children; they do no I/O — what a
 * step writes (records, store changes) goes into its TaskContext, so the same graph runs on a
 * server (runtime.ts) and in memory (test-driver.ts).
 */
import { invalid } from "../options.js";
import type { StateStore } from "./store.js";
import type { Window } from "./windows.js";

/** A record inside the topology: its key, value, event time, and the window of an aggregate. */
export interface StreamRecord<V = unknown> {
  readonly key: string | null;
  readonly value: V;
  /** Event time, ms since the epoch: the envelope's `ts` (or the append time), or a timestamp extractor's. */
  readonly ts: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The window of a windowed aggregate's result. */
  readonly window?: Window | undefined;
}

export interface OutgoingRecord {
  topic: string;
  key: string | null;
  value: unknown;
  ts: number;
  headers: Readonly<Record<string, string>>;
  /** Set for changelog writes: a store partition's changes go to the changelog partition of the same number. */
  partition?: number;
}

/** What a node may do while handling one record of one task (a partition of a sub-topology). */
export interface TaskContext {
  readonly partition: number;
  send(record: OutgoingRecord): void;
  store(name: string): StateStore;
  /** A global table's contents (joinTable). */
  table(topic: string): ReadonlyMap<string, unknown>;
  /** A record arrived after its every window closed. */
  late(): void;
}

export interface Node {
  process(ctx: TaskContext, record: StreamRecord): void | Promise<void>;
  /** Stream time moved to `streamTime` without a record (the test driver's clock). */
  advance?(ctx: TaskContext, streamTime: number): void | Promise<void>;
}

/** A node that forwards to children added after it was made. */
export class Fanout implements Node {
  readonly children: Node[] = [];

  /** The topics whose records reach this node within one task (a store here is restored with their partitions). */
  constructor(readonly origins: ReadonlySet<string> = new Set()) {}

  async process(ctx: TaskContext, record: StreamRecord): Promise<void> {
    for (const child of this.children) await child.process(ctx, record);
  }

  async advance(ctx: TaskContext, streamTime: number): Promise<void> {
    for (const child of this.children) await child.advance?.(ctx, streamTime);
  }
}

/** Event time of a source record, from its value (and the record as it came, whose `ts` is the envelope's). */
export type TimestampExtractor = (value: unknown, record: StreamRecord) => number;

export type TopicRole = "source" | "repartition" | "changelog" | "output";

/** The whole graph, and the names it gives its internal topics. */
export class Topology {
  /** Source topic → the node its records enter. */
  readonly sources = new Map<string, Fanout>();
  readonly topics = new Map<string, TopicRole>();
  /** Store name → the topics feeding it: a task partition of those topics owns the store's partition. */
  readonly stores = new Map<string, ReadonlySet<string>>();
  /** Topics read whole, by every instance, as global tables. */
  readonly globalTables = new Set<string>();
  /** Source topic → its timestamp extractor, when event time is not the envelope's `ts`. */
  readonly extractors = new Map<string, TimestampExtractor>();
  /** The operations, in the order the code added them (what `rivulet stream describe` lists). */
  readonly operators: string[] = [];
  #nodes = 0;

  constructor(readonly applicationId: string) {}

  source(topic: string, role: "source" | "repartition" = "source"): Fanout {
    let entry = this.sources.get(topic);
    if (entry === undefined) {
      entry = new Fanout(new Set([topic]));
      this.sources.set(topic, entry);
      this.topics.set(topic, role);
    }
    return entry;
  }

  /** The record as it enters: event time from the extractor, when its topic has one. */
  entering(topic: string, record: StreamRecord): StreamRecord {
    const extractor = this.extractors.get(topic);
    if (extractor === undefined) return record;
    const ts = extractor(record.value, record);
    if (!Number.isFinite(ts))
      throw invalid("timestamp", `extractor of ${topic} returned ${String(ts)}, not a time in ms`);
    return { ...record, ts };
  }

  output(topic: string): void {
    if (!this.topics.has(topic)) this.topics.set(topic, "output");
  }

  /** A name for an unnamed operation, stable while the code building the topology is unchanged. */
  nextName(kind: string): string {
    this.#nodes += 1;
    return `${kind}-${String(this.#nodes).padStart(4, "0")}`;
  }

  repartitionTopic(name: string): string {
    return `${this.applicationId}-${name}-repartition`;
  }

  changelogTopic(store: string): string {
    return `${this.applicationId}-${store}-changelog`;
  }

  addStore(name: string, origins: ReadonlySet<string>): void {
    if (this.stores.has(name)) throw invalid("name", `${name} names two stores of ${this.applicationId}`);
    this.stores.set(name, origins);
    this.topics.set(this.changelogTopic(name), "changelog");
  }

  /** The stores a partition of `topic` owns. */
  storesOf(topic: string): string[] {
    return [...this.stores].filter(([, origins]) => origins.has(topic)).map(([name]) => name);
  }

  topicsOf(role: TopicRole): string[] {
    return [...this.topics].filter(([, r]) => r === role).map(([t]) => t);
  }
}
