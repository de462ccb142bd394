/**
 * Where a consumer keeps its checkpoint: the offset after the last batch its handler
 * finished. Pluggable; in-memory and browser-storage stores live here, the file store in
 * the Node entry point (`@rivulet/client/node`).
 */
import { usageError } from "../errors.js";
import type { MaybePromise } from "../options.js";

export interface OffsetStore {
  /** The saved offset for `key`, or undefined if there is none. */
  load(key: string): MaybePromise<string | undefined>;
  /** Saves `offset` for `key`; resolves once it is durable as far as the store goes. */
  save(key: string, offset: string): MaybePromise<void>;
}

/** Checkpoints in memory: survives stop/start of a consumer, not a process restart. */
export class MemoryOffsetStore implements OffsetStore {
  readonly #offsets = new Map<string, string>();

  load(key: string): string | undefined {
    return this.#offsets.get(key);
  }

  save(key: string, offset: string): void {
    this.#offsets.set(key, offset);
  }
}

/** The subset of the Web Storage API the store needs. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Checkpoints in Web Storage (`localStorage` by default) — browsers, Deno, and anything providing it. */
export class WebStorageOffsetStore implements OffsetStore {
  readonly #storage: StorageLike;
  readonly #prefix: string;

  constructor(options: { storage?: StorageLike; prefix?: string } = {}) {
    const storage = options.storage ?? WebStorageOffsetStore.defaultStorage();
    if (!storage) throw usageError("", "No Web Storage here: pass options.storage, or use another offset store");
    this.#storage = storage;
    this.#prefix = options.prefix ?? "rivulet:offset:";
  }

  /** `localStorage` when this runtime has a usable one. */
  static defaultStorage(): StorageLike | undefined {
    try {
      const storage = (globalThis as { localStorage?: StorageLike }).localStorage;
      return storage && typeof storage.getItem === "function" ? storage : undefined;
    } catch {
      // Some browsers throw on access when storage is disabled.
      return undefined;
    }
  }

  load(key: string): string | undefined {
    return this.#storage.getItem(this.#prefix + key) ?? undefined;
  }

  save(key: string, offset: string): void {
    this.#storage.setItem(this.#prefix + key, offset);
  }
}
