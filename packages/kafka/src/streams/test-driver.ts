/**
 * TopologyTestDriver: runs a topology in memory, with no server and time under the test's
 * control. Pipe records in (`pipe`), move the clock (`advanceTime`: stream time follows it, so
 * windows close and `emit: "close"` results appear), read what went to each topic (`output`)
 * and what each store holds (`store`). Records of internal repartition topics, and of output
 * topics that are also sources of the topology, are processed as soon as the step that sent
 * them ends, in the order they were sent. Every topic has one partition.
 */
import { invalid } from "../options.js";
import { StreamApp } from "./app.js";
import { Engine } from "./engine.js";
import { GlobalTable, Stream, type StreamHost } from "./stream.js";
import { type OutgoingRecord, type TimestampExtractor, Topology } from "./topology.js";

export interface TestDriverOptions {
  applicationId?: string;
  /** The clock at the start, ms since the epoch (default 0): the event time of records piped without one. */
  startTime?: number;
  /** Per store and partition (default 100,000). */
  maxStoreEntries?: number;
}

export interface PipeOptions {
  key?: string | null;
  /** Event time (default: the driver's clock). */
  ts?: number;
  headers?: Record<string, string>;
}

export interface OutputRecord {
  key: string | null;
  value: unknown;
  ts: number;
  headers: Readonly<Record<string, string>>;
}

export class TopologyTestDriver {
  readonly topology: Topology;
  readonly #engine: Engine;
  readonly #outputs = new Map<string, OutputRecord[]>();
  readonly #host: StreamHost;
  #app: StreamApp | undefined;
  #now: number;

  constructor(options: TestDriverOptions = {}) {
    this.topology = new Topology(options.applicationId ?? "test-app");
    this.#engine = new Engine(this.topology, options.maxStoreEntries ?? 100_000);
    this.#now = options.startTime ?? 0;
    const engine = this.#engine;
    const runner = {
      start: async () => {},
      close: async () => {},
      done: Promise.resolve(),
      get lateRecords(): number {
        return engine.lateRecords;
      },
    };
    this.#host = {
      topology: this.topology,
      launch: () => {
        this.#app ??= new StreamApp(runner);
        return this.#app;
      },
    };
  }

  /** A source stream, as `kafka.stream(topic, { timestamp })` would make it. */
  stream<V = unknown>(topic: string, options: { timestamp?: TimestampExtractor } = {}): Stream<V> {
    if (options.timestamp !== undefined) this.topology.extractors.set(topic, options.timestamp);
    return new Stream<V>(this.#host, this.topology.source(topic));
  }

  /** A global table, as `kafka.globalTable(topic)` would make it: records piped to `topic` update it. */
  globalTable<T = unknown>(topic: string): GlobalTable<T> {
    return new GlobalTable<T>(this.#host, topic);
  }

  get now(): number {
    return this.#now;
  }

  get lateRecords(): number {
    return this.#engine.lateRecords;
  }

  /** Processes one record of `topic`, and everything it leads to inside the topology. */
  async pipe(topic: string, value: unknown, options: PipeOptions = {}): Promise<void> {
    const record = {
      key: options.key ?? null,
      value,
      ts: options.ts ?? this.#now,
      headers: options.headers ?? {},
    };
    if (!Number.isFinite(record.ts)) throw invalid("ts", "must be a time in ms");
    if (this.topology.globalTables.has(topic) && record.key !== null) {
      if (value === null) this.#engine.table(topic).delete(record.key);
      else this.#engine.table(topic).set(record.key, value);
    }
    const queue: { topic: string; record: typeof record }[] = [
      { topic, record: this.topology.entering(topic, record) },
    ];
    while (queue.length > 0) {
      const next = queue.shift()!;
      const sends = await this.#engine.process(next.topic, 0, next.record);
      this.#deliver(sends, queue);
    }
  }

  /** Moves the clock forward by `ms`; stream time follows, closing windows that end (plus grace) by then. */
  async advanceTime(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw invalid("ms", "must be a duration ≥ 0");
    this.#now += ms;
    const queue: { topic: string; record: OutputRecord }[] = [];
    this.#deliver(await this.#engine.advance(0, this.#now), queue);
    while (queue.length > 0) {
      const next = queue.shift()!;
      this.#deliver(await this.#engine.process(next.topic, 0, next.record), queue);
    }
  }

  /** Everything written to `topic` so far, in order (internal topics included). */
  output(topic: string): OutputRecord[] {
    return [...(this.#outputs.get(topic) ?? [])];
  }

  /** The values written to `topic`. */
  values(topic: string): unknown[] {
    return this.output(topic).map((r) => r.value);
  }

  /**
   * What a store holds now: an unwindowed aggregate's `key → value`, a windowed one's
   * `"key@start-end" → value` (open windows only: closed ones are forgotten).
   */
  store(name: string): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [id, entry] of this.#engine.stores.get(name, 0).entries()) {
      if (id.startsWith("k:")) out.set(id.slice(2), entry);
      if (id.startsWith("w:")) {
        const w = entry as { key: string; start: number; end: number; value: unknown };
        out.set(`${w.key}@${w.start}-${w.end}`, w.value);
      }
    }
    return out;
  }

  #deliver(sends: OutgoingRecord[], queue: { topic: string; record: OutputRecord }[]): void {
    for (const send of [...sends, ...this.#engine.changelog()]) {
      const record = { key: send.key, value: send.value, ts: send.ts, headers: send.headers };
      let list = this.#outputs.get(send.topic);
      if (list === undefined) {
        list = [];
        this.#outputs.set(send.topic, list);
      }
      list.push(record);
      if (this.topology.sources.has(send.topic))
        queue.push({ topic: send.topic, record: this.topology.entering(send.topic, record) });
    }
  }
}
