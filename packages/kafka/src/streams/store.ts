/**
 * A state store: one in-memory map per store and task partition, with every change recorded
 * so the step that made it can write it to the store's changelog topic (`<app>-<store>-changelog`,
 * compacted, one changelog partition per task partition) in the same transaction as its
 * outputs and input offsets. Memory is bounded: a store past `maxEntries` keys refuses the
 * write with STATE_STORE_FULL rather than growing until the process dies.
 */
import { KafkaError } from "../errors.js";

export interface StoreChange {
  store: string;
  partition: number;
  key: string;
  /** null deletes the key (a tombstone in the compacted changelog). */
  value: unknown;
}

export class StateStore {
  readonly #entries = new Map<string, unknown>();

  constructor(
    readonly name: string,
    readonly partition: number,
    private readonly maxEntries: number,
    private readonly changes: StoreChange[],
  ) {}

  get(key: string): unknown {
    return this.#entries.get(key);
  }

  put(key: string, value: unknown): void {
    if (!this.#entries.has(key) && this.#entries.size >= this.maxEntries) {
      throw new KafkaError(
        "STATE_STORE_FULL",
        `State store ${this.name} (partition ${this.partition}) holds its limit of ${this.maxEntries} keys; raise maxStoreEntries or shorten window retention`,
      );
    }
    this.#entries.set(key, value);
    this.changes.push({ store: this.name, partition: this.partition, key, value });
  }

  delete(key: string): void {
    if (!this.#entries.delete(key)) return;
    this.changes.push({ store: this.name, partition: this.partition, key, value: null });
  }

  entries(): IterableIterator<[string, unknown]> {
    return this.#entries.entries();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Restoring from the changelog: no change is recorded (it is already there). */
  restore(key: string, value: unknown): void {
    if (value === null) this.#entries.delete(key);
    else this.#entries.set(key, value);
  }
}

/** Every store of a topology, per task partition. */
export class StoreSet {
  readonly #stores = new Map<string, StateStore>();
  changes: StoreChange[] = [];

  constructor(readonly maxEntries: number) {}

  get(name: string, partition: number): StateStore {
    const id = `${name}/${partition}`;
    let store = this.#stores.get(id);
    if (store === undefined) {
      store = new StateStore(name, partition, this.maxEntries, this.changes);
      this.#stores.set(id, store);
    }
    return store;
  }

  /** The changes since the last call, for the changelog. */
  takeChanges(): StoreChange[] {
    const out = this.changes.splice(0);
    return out;
  }

  /** A partition moved to another process: its state goes with it (restored there from the changelog). */
  drop(name: string, partition: number): void {
    this.#stores.delete(`${name}/${partition}`);
  }

  all(): StateStore[] {
    return [...this.#stores.values()];
  }
}
