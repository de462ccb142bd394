/**
 * One processing step, the same in the runtime and the test driver: a record of a source (or
 * repartition) topic partition goes through the topology; what it sends and the store changes
 * it made come back as records to write. No I/O here.
 */
import { StoreSet } from "./store.js";
import type { OutgoingRecord, StreamRecord, TaskContext, Topology } from "./topology.js";

export class Engine {
  readonly stores: StoreSet;
  /** Records dropped because every window they belonged to had closed (beyond grace). */
  lateRecords = 0;
  /** Global table topic → key → latest value. */
  readonly tables = new Map<string, Map<string, unknown>>();

  constructor(
    readonly topology: Topology,
    maxStoreEntries: number,
  ) {
    this.stores = new StoreSet(maxStoreEntries);
  }

  /** Runs `record` of `topic`'s `partition` through the topology; the records it sends, in order. */
  async process(topic: string, partition: number, record: StreamRecord): Promise<OutgoingRecord[]> {
    const entry = this.topology.sources.get(topic);
    const sends: OutgoingRecord[] = [];
    if (entry !== undefined) await entry.process(this.#context(partition, sends), record);
    return sends;
  }

  /** Moves stream time of `partition` forward without a record: windows it closes emit their final results. */
  async advance(partition: number, streamTime: number): Promise<OutgoingRecord[]> {
    const sends: OutgoingRecord[] = [];
    const ctx = this.#context(partition, sends);
    for (const entry of this.topology.sources.values()) await entry.advance(ctx, streamTime);
    return sends;
  }

  /** The store changes since the last call, as changelog records (a store partition's to the changelog partition of its number). */
  changelog(): OutgoingRecord[] {
    return this.stores.takeChanges().map((change) => ({
      topic: this.topology.changelogTopic(change.store),
      key: change.key,
      value: change.value,
      ts: 0,
      headers: {},
      partition: change.partition,
    }));
  }

  table(topic: string): Map<string, unknown> {
    let table = this.tables.get(topic);
    if (table === undefined) {
      table = new Map();
      this.tables.set(topic, table);
    }
    return table;
  }

  #context(partition: number, sends: OutgoingRecord[]): TaskContext {
    return {
      partition,
      send: (record) => void sends.push(record),
      store: (name) => this.stores.get(name, partition),
      table: (topic) => this.table(topic),
      late: () => {
        this.lateRecords += 1;
      },
    };
  }
}
