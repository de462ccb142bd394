/**
 * The stream engine: every state change on streams. Handlers call it after parsing HTTP; it
 * asks @rivulet/protocol for each decision and the Store for durability, wakes live readers,
 * and publishes what happened on its event feed. Streams are looked up in the store on demand
 * (registry.ts); creation is in create.ts, deletion and expiry in removal.ts. Nothing here
 * speaks HTTP.
 */
import { effectiveRetention, isExpired, ProtocolError, type Retention } from "@rivulet/protocol";
import { StoreTrimmedError } from "../store/errors.js";
import { NO_RETENTION } from "../store/shared-values.js";
import { metaWith } from "../store/stream-meta.js";
import type { AppendRecord, IndexEntry, IndexKey, Store, StoredStream } from "../store/types.js";
import { AccessLog } from "./access-log.js";
import { type AppendDeps, append } from "./append.js";
import type { AppendRequest, AppendResult } from "./append-record.js";
import { type CompactionHost, CompactionPass, type CompactionPolicy } from "./compaction.js";
import { type CreateDeps, type CreateRequest, type CreateResult, createStream } from "./create.js";
import { gone } from "./earliest.js";
import { type EngineEvent, EventFeed } from "./events.js";
import { Freshness } from "./freshness.js";
import { LiveSet } from "./live.js";
import { ProducerWaits } from "./producer-waits.js";
import { StreamRegistry } from "./registry.js";
import { Removal } from "./removal.js";
import { storeError } from "./store-errors.js";
import { StreamState } from "./stream-state.js";
import { appendAtomic, type TransactionDeps, type TransactionItem } from "./transaction.js";
import { type RetainOutcome, Trimmer } from "./trim.js";
import { StreamWriter } from "./writer.js";

export interface EngineOptions {
  readonly store: Store;
  readonly now?: () => number;
  /** How long an append whose Producer-Seq skips ahead waits for the missing ones (out-of-order arrival). */
  readonly producerReorderWaitMs?: number;
  /** An event listener threw: report it (the engine carries on). */
  readonly onListenerError?: (error: unknown, event: EngineEvent) => void;
  /** Retention for streams without settings of their own (default: keep everything). */
  readonly defaultRetention?: Retention;
  /**
   * Paths under this prefix are the server's own internal streams (features' state, e.g.
   * `/v1/stream/__ds/`): never listed and not counted as streams (the cap, metrics).
   */
  readonly internalPrefix?: string;
  /**
   * Other servers write the same store (docs/cluster.md): reads check the stored state
   * before answering from memory. Off by default, at no cost.
   */
  readonly verifyReads?: boolean;
  /**
   * How often idle streams leave memory (registry.ts): a stream not used for one to two of
   * these intervals is dropped and loaded again from the store when next used. 0 keeps every
   * stream in memory once used. Default 1 s alone on a store; 0 with `verifyReads`: on a shared
   * store, producer appends retried across nodes under node kills have been seen refused with a
   * seq gap with eviction on (cluster-kill9.test.ts), not yet explained.
   */
  readonly evictIdleMs?: number;
}

export type { AppendRequest, AppendResult } from "./append-record.js";
export type { CreateRequest, CreateResult } from "./create.js";

/** A page of the stream listing: `next` is where the following page starts, absent at the end. */
export interface StreamPage {
  readonly streams: StoredStream[];
  readonly next: string | undefined;
}

/** More storage units than any stream has: a compaction pass considers them all. */
const MAX_UNITS = 1 << 30;

/**
 * How often a write re-decides after another server changed the stream first, before giving up
 * (503). Each conflict means another write to the stream landed, so a burst of N racing writers
 * settles within N rounds; 5 was too few for ten concurrent appends through three nodes on a
 * loaded machine (the cluster conformance run answered one of them 503).
 */
const CONFLICT_RETRIES = 20;

const EVICT_IDLE_MS = 1_000;

export class Engine {
  readonly store: Store;
  readonly now: () => number;
  readonly events: EventFeed;
  private readonly registry: StreamRegistry;
  private readonly writer: StreamWriter;
  private readonly removal: Removal;
  private readonly accesses: AccessLog;
  private readonly trimmer: Trimmer;
  private readonly freshness: Freshness;
  /** Streams with live readers (long-poll, SSE): what a change feed's re-check looks at. */
  private readonly watched = new Set<StreamState>();
  readonly verifyReads: boolean;
  private readonly transactions: TransactionDeps;
  private readonly appends: AppendDeps;
  private readonly creation: CreateDeps;
  private readonly producerWaits = new ProducerWaits();
  private readonly reorderWaitMs: number;
  /** Retention for streams without settings of their own. */
  readonly defaultRetention: Retention;
  private lastCreatedAt = 0;
  private readonly internalPrefix: string | undefined;
  /** Internal streams the store holds: subtracted from `streamCount`. */
  private internalStreams = 0;
  /** Set at shutdown: live reads answer at once instead of waiting. */
  draining = false;
  private readonly evictIdleMs: number;
  private evictTimer: NodeJS.Timeout | undefined;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.reorderWaitMs = options.producerReorderWaitMs ?? 250;
    this.defaultRetention = options.defaultRetention ?? NO_RETENTION;
    this.events = new EventFeed(options.onListenerError ?? (() => {}));
    this.verifyReads = options.verifyReads ?? false;
    this.evictIdleMs = options.evictIdleMs ?? (this.verifyReads ? 0 : EVICT_IDLE_MS);
    this.accesses = new AccessLog(this.store, this.verifyReads, this.now);
    this.registry = new StreamRegistry(this.store, (stored) => this.accesses.loaded(stored));
    this.writer = new StreamWriter(this.store, (stream, record) => this.onVisible(stream, record));
    this.removal = new Removal(this.store, this.registry, this.events, this.accesses, this.now);
    this.freshness = new Freshness(this.store, this.registry, this.writer);
    this.trimmer = new Trimmer({
      store: this.store,
      now: this.now,
      stream: (path) => this.stream(path),
      readStored: (stream, start, end) => this.readStored(stream, start, end),
      seekStored: (stream, key, limit) => this.seekStored(stream, key, limit),
      forkPending: (path) => this.removal.forkPending(path),
      trimmed: (stream, earliest) => this.onTrimmed(stream, earliest),
    });
    // What appends and transactions both need: the writer, producer waits, the shared-store checks.
    const writes: Omit<AppendDeps, "pinned"> = {
      writer: this.writer,
      now: this.now,
      reorderWaitMs: this.reorderWaitMs,
      conflictRetries: CONFLICT_RETRIES,
      verifyReads: this.verifyReads,
      unpin: (stream) => this.registry.unpin(stream),
      verify: (stream) => this.freshness.verify(stream),
      resync: (stream) => this.freshness.resync(stream),
      waitForProgress: (stream, timeoutMs) => this.producerWaits.wait(stream, timeoutMs),
      progressed: (stream) => this.producerWaits.progressed(stream),
      forget: (stream) => this.registry.forget(stream),
    };
    this.appends = { ...writes, pinned: (path, touch) => this.pinned(path, touch) };
    this.transactions = {
      ...writes,
      get: (path) => this.get(path, true),
      pin: (stream) => this.registry.pin(stream),
      holds: (stream) => this.registry.holds(stream),
    };
    this.creation = {
      store: this.store,
      registry: this.registry,
      removal: this.removal,
      accesses: this.accesses,
      events: this.events,
      sources: this,
      verifyReads: this.verifyReads,
      conflictRetries: CONFLICT_RETRIES,
      now: this.now,
      refresh: (path) => this.refresh(path),
      nextCreatedAt: () => this.nextCreatedAt(),
      created: (path) => {
        if (this.isInternal(path)) this.internalStreams++;
      },
    };
    this.internalPrefix = options.internalPrefix;
    this.events.on("deleted", (event) => {
      // Only streams this node created or loaded were counted (`countInternal` at open).
      if (!event.remote && !event.soft && this.isInternal(event.path)) this.internalStreams--;
    });
  }

  /** Opens the store; streams that can expire are held in memory from the start, so they do. */
  async open(): Promise<void> {
    await this.store.open();
    for (const stored of await this.store.withLifetime()) this.adoptLoaded(stored);
    this.internalStreams = await this.countInternal();
    if (this.evictIdleMs > 0) {
      this.evictTimer = setInterval(() => this.evictIdle(), this.evictIdleMs);
      this.evictTimer.unref();
    }
  }

  /** Stops the engine's own timer (the store is closed by its owner). */
  close(): void {
    clearInterval(this.evictTimer);
    this.evictTimer = undefined;
  }

  /**
   * Drops from memory the streams idle since the previous call (registry.ts); the timer set up
   * at open calls it every `evictIdleMs`. Answers how many went.
   */
  evictIdle(): number {
    return this.registry.evictIdle((stream) => this.writer.busy(stream));
  }

  /** How many streams are held in memory now (the rest are only in the store). */
  get streamsInMemory(): number {
    return this.registry.size;
  }

  /** Streams the store holds for clients (soft-deleted ones kept for forks included, internal ones not). */
  get streamCount(): number {
    return this.store.count() - this.internalStreams;
  }

  /** Whether `path` is one of the server's internal streams (under `internalPrefix`). */
  isInternal(path: string): boolean {
    return this.internalPrefix !== undefined && path.startsWith(this.internalPrefix);
  }

  /**
   * The stream at `path` for a client operation: 404 when absent or expired, 410 when
   * soft-deleted (PROTOCOL §4.2). `touch` resets the sliding TTL (reads and writes, not HEAD).
   */
  async get(path: string, touch: boolean): Promise<StreamState> {
    const found = this.registry.find(path);
    const stream = found instanceof Promise ? await found : found;
    if (stream?.ready) await stream.ready;
    if (!stream || !this.registry.holds(stream))
      throw new ProtocolError("STREAM_NOT_FOUND", `Stream not found: ${path}`);
    const expired = this.removal.expiredNow(stream);
    if (expired !== false && (await expired)) {
      throw new ProtocolError("STREAM_NOT_FOUND", `Stream not found: ${path}`);
    }
    if (stream.softDeleted) throw new ProtocolError("STREAM_GONE", `Stream was deleted: ${path}`);
    if (touch) this.accesses.accessed(stream);
    return stream;
  }

  /**
   * `get` for an answer from the stream's state (reads, HEAD, live reads, deletes): with
   * `verifyReads`, a stream held in memory is first brought up to the store, so the answer is
   * never older than a write another server acknowledged.
   */
  async current(path: string, touch: boolean): Promise<StreamState> {
    const cached = this.verifyReads ? this.registry.inMemory(path) : undefined;
    if (cached) await this.freshness.verify(cached);
    return this.get(path, touch);
  }

  /**
   * Another server may have changed the stream at `path`: if it is in memory, take the stored
   * state and wake its live readers; whether it had moved. Nothing to do when not in memory.
   */
  refresh(path: string): Promise<boolean> {
    return this.freshness.refresh(path);
  }

  /** Paths of the streams live readers (long-polls, SSE sessions) read right now. */
  livePaths(): string[] {
    return [...this.watched].map((stream) => stream.path);
  }

  /**
   * The retention that applies to `stream`: its own settings, each falling back to the server's.
   * Internal streams keep everything: features' state logs remove their own old generations.
   */
  retentionOf(stream: StreamState): Retention {
    if (this.isInternal(stream.path)) return NO_RETENTION;
    return effectiveRetention(stream.meta.retention, this.defaultRetention);
  }

  /** A stream by path whatever its state, for fork reads through soft-deleted sources. */
  async stream(path: string): Promise<StreamState | undefined> {
    return this.registry.find(path);
  }

  /** A stream by path if it is in memory (admission checks that must not wait). */
  inMemory(path: string): StreamState | undefined {
    return this.registry.inMemory(path);
  }

  /** Whether `stream` is still the stream at its path (not removed or replaced). */
  holds(stream: StreamState): boolean {
    return this.registry.holds(stream);
  }

  /** Creates the stream at `path`, or finds the same one there (create.ts). */
  create(path: string, request: CreateRequest): Promise<CreateResult> {
    return createStream(this.creation, path, request);
  }

  /** One append (append.ts). */
  append(path: string, request: AppendRequest): Promise<AppendResult> {
    return append(this.appends, path, request);
  }

  /**
   * A transaction (transaction.ts): appends every item, each to its own stream, all or none,
   * visible at once. Rejects with TransactionRefusedError (every refused item, by index) or
   * the store's error; then nothing was written.
   */
  appendAtomic(items: readonly TransactionItem[]): Promise<AppendResult[]> {
    return appendAtomic(this.transactions, items);
  }

  /**
   * Deletes a stream. It stays exactly as it was, to every request, until the deletion is
   * durable: a deletion the store refuses (a full disk: 507) changes nothing, now or after a
   * restart, and an acknowledged one never comes back.
   */
  async delete(path: string): Promise<void> {
    const stream = await this.pinned(path, false, true);
    try {
      await this.removal.delete(stream);
    } finally {
      this.registry.unpin(stream);
    }
  }

  /**
   * An explicit trim (docs/extensions.md): the earliest retained position moves to the last
   * message boundary at or before `position`, never below what forks read. Resolves with the
   * stream's earliest position after it.
   */
  async trim(path: string, position: number): Promise<number> {
    const stream = await this.pinned(path, false);
    try {
      if (position > stream.tail) {
        throw new ProtocolError("INVALID_OFFSET", "The trim offset is beyond the stream's tail");
      }
      // The trimmer serialises per state object: it stays in memory meanwhile.
      return await this.trimmer.trimTo(stream, position);
    } finally {
      this.registry.unpin(stream);
    }
  }

  /**
   * Applies the stream's retention (its own settings, or the server's), freeing at most
   * `maxUnits` storage units; says when it could free more. Soft-deleted streams keep only what
   * their forks read. Undefined when the stream is gone or still being created.
   */
  async retain(path: string, maxUnits: number): Promise<RetainOutcome | undefined> {
    const stream = this.registry.inMemory(path) ?? (await this.registry.find(path));
    if (!stream || stream.ready || !this.registry.holds(stream)) return undefined;
    const held = this.registry.pin(stream);
    if (!held) return this.retain(path, maxUnits);
    try {
      return await this.trimmer.retain(held, this.retentionOf(held), maxUnits);
    } finally {
      this.registry.unpin(held);
    }
  }

  /** Changes a stream's own retention settings, durably. */
  async configureRetention(path: string, retention: Retention): Promise<StreamState> {
    const stream = await this.pinned(path, false);
    try {
      await this.store.configure(path, retention);
    } catch (error) {
      throw storeError(error);
    } finally {
      this.registry.unpin(stream);
    }
    stream.meta = metaWith(stream.meta, { retention });
    this.events.emit({ type: "configured", path, retention });
    return stream;
  }

  /** Reclaims expired streams, and soft-deleted ones whose last fork has gone; runs on a timer. */
  sweepExpired(): void {
    void this.removal.sweep();
  }

  /**
   * Stored bytes [start, end) of the stream itself, with store failures as protocol errors. A
   * range retention took away (before or while it was read) is 410 with where `reader` now
   * starts: the stream being read, which may be a fork of this one.
   */
  /** The store may begin reading [start, end) of the stream itself now: the next chunk of a catch-up. */
  readAhead(stream: StreamState, start: number, end: number): void {
    this.store.readAhead?.(stream.path, start, end);
  }

  async readStored(stream: StreamState, start: number, end: number, reader = stream): Promise<Uint8Array> {
    try {
      return await this.store.read(stream.path, start, end);
    } catch (error) {
      if (error instanceof StoreTrimmedError) {
        // The store's trim is durable before the engine hears of it: it is the earliest now.
        if (reader === stream && error.earliest > stream.earliest) stream.earliest = error.earliest;
        throw gone(reader);
      }
      throw storeError(error);
    }
  }

  /** Entries of the stream's own append index (store.seek), with store failures as protocol errors. */
  async seekStored(stream: StreamState, key: IndexKey, limit: number): Promise<IndexEntry[]> {
    try {
      return await this.store.seek(stream.path, key, limit);
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * A compaction pass over the stream at `path` (docs/kafka-layer.md, "Compaction"), to be
   * stepped by its caller; undefined when there is no such stream.
   */
  async compaction(path: string, policy: CompactionPolicy): Promise<CompactionPass | undefined> {
    const stream = this.registry.inMemory(path) ?? (await this.registry.find(path));
    if (!stream || stream.ready || stream.softDeleted || !this.registry.holds(stream)) return undefined;
    return new CompactionPass(this.compactionHost, stream, policy);
  }

  /** What compaction passes use of the engine and its store. */
  private readonly compactionHost: CompactionHost = {
    stream: (path) => this.stream(path),
    readStored: (stream, start, end) => this.readStored(stream, start, end),
    seekStored: (stream, key, limit) => this.seekStored(stream, key, limit),
    now: () => this.now(),
    unitEnds: async (stream) => {
      try {
        return await this.store.headUnits(stream.path, MAX_UNITS);
      } catch (error) {
        throw storeError(error);
      }
    },
    compactUnit: async (stream, unitEnd, removed) => {
      try {
        return await this.store.compactUnit(stream.path, unitEnd, removed);
      } catch (error) {
        throw storeError(error);
      }
    },
  };

  /** Shutdown: every waiting long-poll answers and every SSE session ends, now and from now on. */
  beginShutdown(): void {
    this.draining = true;
    for (const stream of this.registry.values()) stream.live?.wakeAll("closing");
  }

  /**
   * A page of streams whose path starts with `prefix`, in path order, after `after` (the admin
   * listing), with the in-memory view of those in memory. Expired and internal streams are
   * left out, so a page may hold fewer than `limit`; `next` (where the following page starts)
   * is set whenever the store holds more.
   */
  async list(prefix: string, after: string | undefined, limit: number): Promise<StreamPage> {
    const now = this.now();
    const stored = await this.store.list({ prefix, after, limit: limit + 1 });
    const more = stored.length > limit;
    const taken = more ? stored.slice(0, limit) : stored;
    const streams: StoredStream[] = [];
    for (const entry of taken) {
      if (this.isInternal(entry.meta.path)) continue;
      const stream = this.registry.inMemory(entry.meta.path);
      if (stream?.ready) continue;
      if (stream && isExpired(stream.meta.lifetime, stream.lastAccess, now)) continue;
      streams.push(
        stream ? { ...entry, tail: stream.tail, closed: stream.closed, softDeleted: stream.softDeleted } : entry,
      );
    }
    return { streams, next: more ? taken[taken.length - 1]!.meta.path : undefined };
  }

  /**
   * `get` (or `current`) for an operation that changes the stream or waits on it across
   * awaits: the state, pinned in memory until `registry.unpin`.
   */
  private async pinned(path: string, touch: boolean, current = false): Promise<StreamState> {
    for (;;) {
      const found = current ? await this.current(path, touch) : await this.get(path, touch);
      const held = this.registry.pin(found);
      if (held) return held;
    }
  }

  /** `current` for a live reader: the state it follows, held until `releaseLive`. */
  async followLive(path: string, touch: boolean): Promise<{ stream: StreamState; live: LiveSet }> {
    for (;;) {
      const held = this.acquireLive(await this.current(path, touch));
      if (held) return held;
    }
  }

  /**
   * A live reader (long-poll, SSE session) starts on `stream`: the state to follow (the one
   * appends will wake: registry.pin) and its live set, kept until `releaseLive`; undefined when
   * the stream left memory since it was looked up (look it up again).
   */
  acquireLive(stream: StreamState): { stream: StreamState; live: LiveSet } | undefined {
    const held = this.registry.pin(stream);
    if (!held) return undefined;
    held.live ??= new LiveSet();
    this.watched.add(held);
    held.live.sessions++;
    return { stream: held, live: held.live };
  }

  releaseLive(stream: StreamState): void {
    const live = stream.live;
    if (!live) return;
    this.registry.unpin(stream);
    live.sessions--;
    if (live.sessions <= 0 && live.size === 0) {
      stream.live = undefined;
      this.watched.delete(stream);
    }
  }

  /** How many internal streams the store holds (a handful: features' state logs). */
  private async countInternal(): Promise<number> {
    if (this.internalPrefix === undefined) return 0;
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.store.list({ prefix: this.internalPrefix, after, limit: 1000 });
      count += page.length;
      if (page.length < 1000) return count;
      after = page[page.length - 1]!.meta.path;
    }
  }

  private adoptLoaded(stored: StoredStream): void {
    if (this.registry.inMemory(stored.meta.path)) return;
    this.registry.set(StreamState.fromStored(stored, this.accesses.loaded(stored)));
    this.lastCreatedAt = Math.max(this.lastCreatedAt, stored.meta.createdAt);
  }

  /**
   * Creation times strictly increase, so a stream re-created at the same path within the same
   * millisecond still gets a new ETag identity (StreamState.etagId).
   */
  private nextCreatedAt(): number {
    this.lastCreatedAt = Math.max(this.now(), this.lastCreatedAt + 1);
    return this.lastCreatedAt;
  }

  private onTrimmed(stream: StreamState, earliest: number): void {
    if (earliest > stream.earliest) stream.earliest = earliest;
    this.events.emit({ type: "trimmed", path: stream.path, earliest });
  }

  private onVisible(stream: StreamState, record: AppendRecord): void {
    const live = stream.live;
    if (live) {
      live.remember(record.position, record.data);
      live.wakeForAppend(record.data.length > 0 ? "data" : "closed");
    }
    const end = record.position + record.data.length;
    if (record.data.length > 0) {
      this.events.emit({ type: "appended", path: stream.path, start: record.position, end, messages: record.messages });
    }
    if (record.close) this.events.emit({ type: "closed", path: stream.path, tail: end });
  }
}
