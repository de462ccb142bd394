/**
 * The typed builder: `kafka.stream(topic, options)` (or a test driver's `stream(topic)`) is a
 * `Stream<V>`; operators return new streams, `groupBy` a `GroupedStream`, aggregations a
 * `Table`. Terminal operations (`to`, `each`, `branch`, and a table's `to`/`each`) attach a sink
 * and return the application's running handle — the same handle for every terminal of one
 * application, started once the code defining it has run (on the next microtask), so a
 * topology with several sinks starts as one.
 */
import { invalid } from "../options.js";
import { checkTopicName } from "../topic-metadata.js";
import { type Adder, AggregateNode } from "./aggregate.js";
import type { StreamApp } from "./app.js";
import { type Duration, durationMs } from "./duration.js";
import { JOIN_SIDE_HEADER, JoinNode, type JoinType } from "./join.js";
import { Fanout, type Node, type StreamRecord, type TaskContext, type Topology } from "./topology.js";
import type { Window, WindowSpec } from "./windows.js";

/** Where a topology runs: a server (runtime) or the test driver. */
export interface StreamHost {
  readonly topology: Topology;
  /** The application's handle; the first call schedules its start. */
  launch(): StreamApp;
}

export type RecordFn<V, R> = (value: V, record: StreamRecord<V>) => R;

export interface NameOptions {
  /** Names the internal topic or store (default: a name from the operation's position in the topology). */
  name?: string;
}

function node(process: (ctx: TaskContext, record: StreamRecord) => void | Promise<void>): Node {
  return { process };
}

function fn<F>(name: string, value: F): F {
  if (typeof value !== "function") throw invalid(name, "must be a function");
  return value;
}

export class Stream<V> {
  constructor(
    protected readonly host: StreamHost,
    /** The node this stream's records leave from. */
    protected readonly tail: Fanout,
  ) {}

  #then<U>(operator: string, make: (next: Fanout) => Node): Stream<U> {
    this.host.topology.operators.push(operator);
    const next = new Fanout(this.tail.origins);
    this.tail.children.push(make(next));
    return new Stream<U>(this.host, next);
  }

  filter(predicate: RecordFn<V, boolean>): Stream<V> {
    fn("predicate", predicate);
    return this.#then("filter", (next) =>
      node(async (ctx, r) => {
        if (await predicate(r.value as V, r as StreamRecord<V>)) await next.process(ctx, r);
      }),
    );
  }

  map<U>(mapper: RecordFn<V, U | Promise<U>>): Stream<U> {
    fn("mapper", mapper);
    return this.#then("map", (next) =>
      node(async (ctx, r) => next.process(ctx, { ...r, value: await mapper(r.value as V, r as StreamRecord<V>) })),
    );
  }

  flatMap<U>(mapper: RecordFn<V, Iterable<U> | Promise<Iterable<U>>>): Stream<U> {
    fn("mapper", mapper);
    return this.#then("flatMap", (next) =>
      node(async (ctx, r) => {
        for (const value of await mapper(r.value as V, r as StreamRecord<V>)) await next.process(ctx, { ...r, value });
      }),
    );
  }

  /** Sees each record without changing it (logging, metrics). */
  peek(observer: RecordFn<V, unknown>): Stream<V> {
    fn("observer", observer);
    return this.#then("peek", (next) =>
      node(async (ctx, r) => {
        await observer(r.value as V, r as StreamRecord<V>);
        await next.process(ctx, r);
      }),
    );
  }

  /** A new key for each record (downstream `to` partitions by it; `groupByKey` groups by it without a repartition topic). */
  selectKey(keyFn: RecordFn<V, string>): Stream<V> {
    fn("keyFn", keyFn);
    return this.#then("selectKey", (next) =>
      node(async (ctx, r) => next.process(ctx, { ...r, key: String(await keyFn(r.value as V, r as StreamRecord<V>)) })),
    );
  }

  /** This stream's records and `other`'s, as they come. Both must belong to the same application. */
  merge<U>(other: Stream<U>): Stream<V | U> {
    if (!(other instanceof Stream) || other.host !== this.host) {
      throw invalid("merge", "needs a stream of the same application (made from the same kafka.stream application)");
    }
    this.host.topology.operators.push("merge");
    const next = new Fanout(new Set([...this.tail.origins, ...other.tail.origins]));
    this.tail.children.push(next);
    other.tail.children.push(next);
    return new Stream<V | U>(this.host, next);
  }

  /** Writes each record to `topic` (partitioned by its key). */
  to(topic: string): StreamApp {
    checkTopicName(topic);
    this.host.topology.output(topic);
    this.host.topology.operators.push(`to(${topic})`);
    this.tail.children.push(
      node((ctx, r) => ctx.send({ topic, key: r.key, value: r.value, ts: r.ts, headers: r.headers })),
    );
    return this.host.launch();
  }

  /**
   * Calls `handler` for each record. Under exactly-once it runs before the step's transaction
   * commits: a crash after it and before the commit calls it again for the same record, so a
   * handler with side effects should be idempotent (outputs meant to be exactly once go `to` a topic).
   */
  each(handler: RecordFn<V, unknown>): StreamApp {
    fn("handler", handler);
    this.host.topology.operators.push("each");
    this.tail.children.push(node(async (_ctx, r) => void (await handler(r.value as V, r as StreamRecord<V>))));
    return this.host.launch();
  }

  /** Each record goes to the topic of the first predicate it satisfies; a record none satisfies is dropped. */
  branch(conditions: readonly (readonly [RecordFn<V, boolean>, string])[]): StreamApp {
    if (!Array.isArray(conditions) || conditions.length === 0) throw invalid("branch", "needs [[predicate, topic], …]");
    for (const [predicate, topic] of conditions) {
      fn("branch predicate", predicate);
      checkTopicName(topic);
      this.host.topology.output(topic);
    }
    this.host.topology.operators.push(`branch(${conditions.map(([, topic]) => topic).join(",")})`);
    this.tail.children.push(
      node(async (ctx, r) => {
        for (const [predicate, topic] of conditions) {
          if (await predicate(r.value as V, r as StreamRecord<V>)) {
            ctx.send({ topic, key: r.key, value: r.value, ts: r.ts, headers: r.headers });
            return;
          }
        }
      }),
    );
    return this.host.launch();
  }

  /**
   * Windowed join with `other` (a stream of the same application): records whose keys match —
   * `key: [leftKeyFn, rightKeyFn]`, each side's selector — and whose event times are at most
   * `window` apart. The seed's `on: (left, right) => boolean` cannot be run without trying every
   * pair on one machine; key selectors let both sides be partitioned by the key, so each pair
   * that can match meets in one task (see join.ts). `type: "left"` also emits each left record
   * that found no match, with `null`, once its window has passed. Values are `[left, right]`
   * unless `joiner` makes something else.
   */
  join<R, J = [V, R | null]>(other: Stream<R>, options: JoinOptions<V, R, J>): Stream<J> {
    if (!(other instanceof Stream) || other.host !== this.host) {
      throw invalid("join", "needs a stream of the same application");
    }
    if (typeof options !== "object" || options === null || !Array.isArray(options.key) || options.key.length !== 2) {
      throw invalid("join", "needs { key: [leftKeyFn, rightKeyFn], window }");
    }
    const [leftKey, rightKey] = options.key;
    fn("key[0]", leftKey);
    fn("key[1]", rightKey);
    const type = options.type ?? "inner";
    if (type !== "inner" && type !== "left")
      throw invalid("type", `must be "inner" or "left", got ${JSON.stringify(type)}`);
    const joiner = options.joiner === undefined ? (l: unknown, r: unknown) => [l, r] : fn("joiner", options.joiner);
    const topology = this.host.topology;
    const name = options.name ?? topology.nextName("join");
    topology.operators.push(`join(${name})`);
    const topic = topology.repartitionTopic(`${name}-join`);
    checkTopicName(topic);
    const route = <T>(stream: Stream<T>, side: "left" | "right", keyFn: RecordFn<T, string | number>) =>
      stream.tail.children.push(
        node(async (ctx, r) => {
          const key = String(await keyFn(r.value as T, r as StreamRecord<T>));
          ctx.send({ topic, key, value: r.value, ts: r.ts, headers: { ...r.headers, [JOIN_SIDE_HEADER]: side } });
        }),
      );
    route(this, "left", leftKey);
    route(other, "right", rightKey);
    const source = topology.source(topic, "repartition");
    topology.addStore(name, source.origins);
    const downstream = new Fanout(source.origins);
    source.children.push(
      new JoinNode(
        {
          store: name,
          windowMs: durationMs("window", options.window, 0),
          graceMs: options.grace === undefined ? 0 : durationMs("grace", options.grace, 0),
          type,
          joiner: joiner as (l: unknown, r: unknown) => unknown,
        },
        downstream,
      ),
    );
    return new Stream<J>(this.host, downstream);
  }

  /**
   * Stream–table join: each record looks its key (`key(value, record)`) up in a global table —
   * the latest value per key of a compacted topic. `type: "inner"` (default) drops a record
   * whose key is not in the table; `"left"` passes it with `null`. Values are
   * `[value, tableValue]` unless `joiner` makes something else.
   */
  joinTable<T, J = [V, T | null]>(table: GlobalTable<T>, options: TableJoinOptions<V, T, J>): Stream<J> {
    if (!(table instanceof GlobalTable) || table.host !== this.host) {
      throw invalid("joinTable", "needs a global table of the same application");
    }
    if (typeof options !== "object" || options === null) throw invalid("joinTable", "needs { key }");
    const keyFn = fn("key", options.key);
    const type = options.type ?? "inner";
    if (type !== "inner" && type !== "left")
      throw invalid("type", `must be "inner" or "left", got ${JSON.stringify(type)}`);
    const joiner = options.joiner === undefined ? (v: unknown, t: unknown) => [v, t] : fn("joiner", options.joiner);
    return this.#then(`joinTable(${table.topic})`, (next) =>
      node(async (ctx, r) => {
        const found = ctx.table(table.topic).get(String(await keyFn(r.value as V, r as StreamRecord<V>)));
        if (found === undefined && type === "inner") return;
        await next.process(ctx, {
          ...r,
          value: (joiner as (v: unknown, t: unknown) => unknown)(r.value, found ?? null),
        });
      }),
    );
  }

  /** The seed's order: `stream.window(tumbling("5m")).groupBy(…)`. */
  window(spec: WindowSpec): WindowedStream<V> {
    checkWindow(spec);
    return new WindowedStream<V>(this, spec);
  }

  /**
   * Groups by a new key. Records go through the internal topic `<app>-<name>-repartition`,
   * partitioned by the new key, so every record of a key meets the same task — the aggregate is
   * right however many processes run the application.
   */
  groupBy(keyFn: RecordFn<V, string | number>, options: NameOptions = {}): GroupedStream<V> {
    fn("keyFn", keyFn);
    const topology = this.host.topology;
    const name = options.name ?? topology.nextName("groupby");
    topology.operators.push(`groupBy(${name})`);
    const repartition = topology.repartitionTopic(name);
    checkTopicName(repartition);
    this.tail.children.push(
      node(async (ctx, r) => {
        const key = String(await keyFn(r.value as V, r as StreamRecord<V>));
        ctx.send({ topic: repartition, key, value: r.value, ts: r.ts, headers: r.headers });
      }),
    );
    return new GroupedStream<V>(this.host, topology.source(repartition, "repartition"), undefined);
  }

  /** Groups by the records' current key, without repartitioning (they are already partitioned by it). */
  groupByKey(): GroupedStream<V> {
    return new GroupedStream<V>(this.host, this.tail, undefined);
  }
}

export interface JoinOptions<L, R, J> extends NameOptions {
  /** Each side's key: records of both sides with equal keys may join. */
  key: readonly [RecordFn<L, string | number>, RecordFn<R, string | number>];
  /** How far apart in event time two records may be and still join. */
  window: Duration;
  /** How long after `window` a late record may still join (default 0). */
  grace?: Duration;
  type?: JoinType;
  joiner?: (left: L, right: R | null) => J;
}

export interface TableJoinOptions<V, T, J> {
  /** The table key each record looks up. */
  key: RecordFn<V, string | number>;
  type?: JoinType;
  joiner?: (value: V, tableValue: T | null) => J;
}

/** A compacted topic read whole by every instance: `kafka.globalTable(topic, { applicationId })`. */
export class GlobalTable<T> {
  declare readonly valueType?: T;

  constructor(
    readonly host: StreamHost,
    readonly topic: string,
  ) {
    checkTopicName(topic);
    host.topology.globalTables.add(topic);
  }
}

export class WindowedStream<V> {
  constructor(
    private readonly stream: Stream<V>,
    private readonly spec: WindowSpec,
  ) {}

  groupBy(keyFn: RecordFn<V, string | number>, options: NameOptions = {}): GroupedStream<V> {
    return this.stream.groupBy(keyFn, options).window(this.spec);
  }

  groupByKey(): GroupedStream<V> {
    return this.stream.groupByKey().window(this.spec);
  }
}

export interface AggregateOptions extends NameOptions {}

export class GroupedStream<V> {
  constructor(
    private readonly host: StreamHost,
    private readonly tail: Fanout,
    private readonly spec: WindowSpec | undefined,
  ) {}

  window(spec: WindowSpec): GroupedStream<V> {
    checkWindow(spec);
    return new GroupedStream<V>(this.host, this.tail, spec);
  }

  count(options: AggregateOptions = {}): Table<number> {
    return this.aggregate(0, (n) => n + 1, options);
  }

  /** Folds each key's values into an aggregate starting from `initial` (the seed's `reduce(0, fn)`). */
  reduce<A>(initial: A, reducer: Adder<A, V>, options: AggregateOptions = {}): Table<A> {
    return this.aggregate(initial, reducer, options);
  }

  /** `initial` is the start of every key's (and window's) aggregate: a value (copied through JSON) or a function making one. */
  aggregate<A>(initial: A | (() => A), add: Adder<A, V>, options: AggregateOptions = {}): Table<A> {
    fn("aggregate", add);
    const topology = this.host.topology;
    const store = options.name ?? topology.nextName("aggregate");
    topology.addStore(store, this.tail.origins);
    topology.operators.push(`aggregate(${store})`);
    checkTopicName(topology.changelogTopic(store));
    const start = typeof initial === "function" ? (initial as () => A) : () => structuredClone(initial) as A;
    const downstream = new Fanout(this.tail.origins);
    this.tail.children.push(new AggregateNode<A, V>({ store, initial: start, add, window: this.spec }, downstream));
    return new Table<A>(this.host, downstream);
  }
}

/** An aggregate's results: the latest value per key (and window), as updates. */
export class Table<A> {
  constructor(
    private readonly host: StreamHost,
    private readonly tail: Fanout,
  ) {}

  /** The updates as a stream: key = the group key, value = the aggregate, `record.window` its window. */
  toStream(): Stream<A> {
    return new Stream<A>(this.host, this.tail);
  }

  /** Writes each update to `topic`: the aggregate as value, or `{ start, end, value }` for a windowed one. */
  to(topic: string): StreamApp {
    return this.toStream()
      .map((value, r) => (r.window === undefined ? value : { start: r.window.start, end: r.window.end, value }))
      .to(topic);
  }

  each(handler: (key: string, value: A, window: Window | undefined) => unknown): StreamApp {
    fn("handler", handler);
    return this.toStream().each((value, r) => handler(r.key ?? "", value, r.window));
  }
}

function checkWindow(spec: WindowSpec): void {
  if (typeof spec !== "object" || spec === null || typeof spec.sizeMs !== "number") {
    throw invalid("window", "must be tumbling(…), hopping(…) or sliding(…)");
  }
}
