/**
 * The stream engine: the registry of streams and every state change on them. Handlers call
 * it after parsing HTTP; it asks @rivulet/protocol for each decision and the Store for
 * durability, and wakes live readers. Nothing here speaks HTTP.
 */
import {
  type AppendIntent,
  DEFAULT_CONTENT_TYPE,
  decideAppend,
  decideCreate,
  isExpired,
  type Lifetime,
  type ProducerState,
  ProtocolError,
  type StreamConfig,
} from "@rivulet/protocol";
import { StoreBusyError, StoreCorruptionError, StoreFullError } from "../store/errors.js";
import type { AppendRecord, Store, StreamMeta } from "../store/types.js";
import { type ForkRequest, resolveFork } from "./fork.js";
import { frameBody } from "./framing.js";
import { LiveSet } from "./live.js";
import { StreamState } from "./stream-state.js";
import { writeRecord } from "./writer.js";

export interface EngineOptions {
  readonly store: Store;
  readonly now?: () => number;
  /** How long an append whose Producer-Seq skips ahead waits for the missing ones (out-of-order arrival). */
  readonly producerReorderWaitMs?: number;
}

export interface CreateRequest {
  /** As sent; a plain create defaults it, a fork inherits its source's (PROTOCOL §4.2). */
  readonly contentType: string | undefined;
  readonly lifetime: Lifetime;
  readonly closed: boolean;
  readonly body: Uint8Array;
  readonly fork: ForkRequest | undefined;
}

export interface AppendRequest extends AppendIntent {
  readonly body: Uint8Array;
}

export interface AppendResult {
  readonly written: boolean;
  readonly tail: number;
  readonly closed: boolean;
  readonly producer: ProducerState | undefined;
}

export class Engine {
  readonly store: Store;
  readonly now: () => number;
  private readonly streams = new Map<string, StreamState>();
  /** Paths whose removal is being made durable; a re-create waits for it (and fails if it fails). */
  private readonly removing = new Map<string, Promise<void>>();
  private readonly reorderWaitMs: number;
  private lastCreatedAt = 0;
  /** Set at shutdown: live reads answer at once instead of waiting. */
  draining = false;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.reorderWaitMs = options.producerReorderWaitMs ?? 250;
  }

  /** Opens the store and rebuilds the registry from what it recovered. */
  async open(): Promise<void> {
    const now = this.now();
    for (const stored of await this.store.open()) {
      const stream = new StreamState(stored.meta, stored.tail, stored.closed, now);
      stream.lastStreamSeq = stored.lastStreamSeq;
      stream.closedBy = stored.closedBy;
      for (const [id, state] of stored.producers) stream.producerMap().set(id, state);
      stream.softDeleted = stored.softDeleted;
      this.lastCreatedAt = Math.max(this.lastCreatedAt, stored.meta.createdAt);
      this.streams.set(stored.meta.path, stream);
    }
    for (const stream of this.streams.values()) {
      const source = stream.meta.fork && this.streams.get(stream.meta.fork.source);
      if (source) source.forkCount++;
    }
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /**
   * The stream at `path` for a client operation: 404 when absent or expired, 410 when
   * soft-deleted (PROTOCOL §4.2). `touch` resets the sliding TTL (reads and writes, not HEAD).
   */
  async get(path: string, touch: boolean): Promise<StreamState> {
    const stream = this.streams.get(path);
    if (stream?.ready) await stream.ready;
    if (!stream || this.streams.get(path) !== stream || this.expireIfDue(stream)) {
      throw new ProtocolError("STREAM_NOT_FOUND", `Stream not found: ${path}`);
    }
    if (stream.softDeleted) throw new ProtocolError("STREAM_GONE", `Stream was deleted: ${path}`);
    if (touch) stream.lastAccess = this.now();
    return stream;
  }

  async create(path: string, request: CreateRequest): Promise<{ created: boolean; stream: StreamState }> {
    await this.removing.get(path)?.catch(() => {});
    let existing = this.streams.get(path);
    if (existing?.ready) await existing.ready;
    if (existing && this.expireIfDue(existing)) {
      // Expired but not yet swept: its removal must be durable before the path is reused.
      await this.removing.get(path);
      existing = undefined;
    }
    const live = existing && this.streams.get(path) === existing ? existing : undefined;

    const fork = request.fork ? await resolveFork(this, request, live) : undefined;
    const config: StreamConfig = {
      contentType: fork?.contentType ?? request.contentType ?? DEFAULT_CONTENT_TYPE,
      lifetime: fork?.lifetime ?? request.lifetime,
      closed: request.closed,
      fork: fork?.origin,
    };
    const decision = decideCreate(live && { config: configOf(live), softDeleted: live.softDeleted }, config);
    if (decision === "exists" && live) {
      live.lastAccess = this.now();
      return { created: false, stream: live };
    }

    const data = frameBody(config.contentType, request.body, "create");
    const meta: StreamMeta = {
      path,
      contentType: internContentType(config.contentType),
      lifetime: shareLifetime(config.lifetime),
      createdAt: this.nextCreatedAt(),
      fork: config.fork,
    };
    const start = meta.fork?.position ?? 0;
    const first: AppendRecord | undefined =
      data.length > 0 || config.closed
        ? { position: start, data, producer: undefined, streamSeq: undefined, close: config.closed }
        : undefined;
    const stream = new StreamState(meta, start + data.length, config.closed, this.now());
    const source = fork ? this.streams.get(fork.origin.source) : undefined;
    if (source) source.forkCount++;
    this.streams.set(path, stream);
    // Visible to other requests only once durable: they wait on `ready` (read-your-writes).
    stream.ready = this.store.create(meta, first);
    try {
      await stream.ready;
    } catch (error) {
      this.streams.delete(path);
      if (source) source.forkCount--;
      throw storeError(error);
    } finally {
      stream.ready = undefined;
    }
    return { created: true, stream };
  }

  async append(path: string, request: AppendRequest): Promise<AppendResult> {
    let stream = await this.get(path, true);
    const deadline = this.now() + this.reorderWaitMs;
    let decision: ReturnType<typeof decideAppend>;
    for (;;) {
      try {
        decision = decideAppend(stream.decisionView, request);
        break;
      } catch (error) {
        // §5.2.1: pipelined requests can arrive out of order; a seq that skips ahead waits
        // briefly for the ones before it instead of failing at once.
        const wait = deadline - this.now();
        if (!isSequenceGap(error) || wait <= 0) throw error;
        await this.waitForProducerProgress(stream, wait);
        stream = await this.get(path, false);
      }
    }
    if (decision.kind === "noop") {
      return { written: false, tail: stream.decidedTail, closed: stream.decidedClosed, producer: decision.producer };
    }
    const record: AppendRecord = {
      position: stream.decidedTail,
      data: frameBody(stream.contentType, request.body, "append"),
      producer: decision.producer && {
        id: decision.producer.id,
        epoch: decision.producer.state.epoch,
        seq: decision.producer.state.lastSeq,
      },
      streamSeq: decision.streamSeq,
      close: decision.close,
    };
    const written = writeRecord(this.store, stream, record, (visible) => this.onVisible(stream, visible));
    this.notifyProducerProgress(stream);
    try {
      await written;
    } catch (error) {
      throw storeError(error);
    }
    return {
      written: true,
      tail: record.position + record.data.length,
      closed: stream.closed,
      producer: decision.producer?.state,
    };
  }

  /**
   * Deletes a stream. It stays exactly as it was, to every request, until the deletion is
   * durable: a deletion the store refuses (a full disk: 507) changes nothing, now or after a
   * restart, and an acknowledged one never comes back.
   */
  async delete(path: string): Promise<void> {
    const stream = await this.get(path, false);
    if (stream.forkCount > 0) {
      // §5.4: forks still read this stream's data; keep it, answer 410 from now on.
      await this.settle(stream, this.store.markDeleted(path), () => {
        stream.softDeleted = true;
        stream.live?.wakeAll("gone");
      });
      return;
    }
    await this.removeFully(stream);
  }

  /**
   * Reclaims expired streams, and soft-deleted ones whose last fork has gone but whose removal
   * failed before; runs on a timer so idle streams do not hold memory or disk.
   */
  sweepExpired(): void {
    for (const stream of this.streams.values()) {
      if (this.expireIfDue(stream)) continue;
      if (stream.softDeleted && stream.forkCount === 0) void this.removeFully(stream).catch(() => {});
    }
  }

  /** Stored bytes [start, end) of the stream itself, with store failures as protocol errors. */
  async readStored(stream: StreamState, start: number, end: number): Promise<Uint8Array> {
    try {
      return await this.store.read(stream.path, start, end);
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * Creation times strictly increase, so a stream re-created at the same path within the same
   * millisecond still gets a new ETag identity (StreamState.etagId).
   */
  private nextCreatedAt(): number {
    this.lastCreatedAt = Math.max(this.now(), this.lastCreatedAt + 1);
    return this.lastCreatedAt;
  }

  /** Shutdown: every waiting long-poll answers and every SSE session ends, now and from now on. */
  beginShutdown(): void {
    this.draining = true;
    for (const stream of this.streams.values()) stream.live?.wakeAll("closing");
  }

  /**
   * Streams whose path starts with `prefix`, in path order, after `after`, at most `limit`
   * (the admin listing). Expired streams not yet swept are left out.
   */
  list(prefix: string, after: string | undefined, limit: number): StreamState[] {
    const now = this.now();
    const matches: StreamState[] = [];
    for (const [path, stream] of this.streams) {
      if (!path.startsWith(prefix) || (after !== undefined && path <= after) || stream.ready) continue;
      if (isExpired(stream.meta.lifetime, stream.lastAccess, now)) continue;
      matches.push(stream);
    }
    matches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return matches.slice(0, limit);
  }

  /** A stream by path whatever its state, for fork reads through soft-deleted sources. */
  peek(path: string): StreamState | undefined {
    return this.streams.get(path);
  }

  acquireLive(stream: StreamState): LiveSet {
    stream.live ??= new LiveSet();
    stream.live.sessions++;
    return stream.live;
  }

  releaseLive(stream: StreamState): void {
    const live = stream.live;
    if (!live) return;
    live.sessions--;
    if (live.sessions <= 0 && live.size === 0) stream.live = undefined;
  }

  private onVisible(stream: StreamState, record: AppendRecord): void {
    const live = stream.live;
    if (!live) return;
    live.remember(record.position, record.data);
    live.wakeAll(record.data.length > 0 ? "data" : "closed");
  }

  /**
   * True when the stream is expired; then its removal starts (or it is kept soft-deleted for
   * its forks). An expired stream is gone to clients at once; if its removal fails it is tried
   * again at the next access or sweep.
   */
  private expireIfDue(stream: StreamState): boolean {
    if (!isExpired(stream.meta.lifetime, stream.lastAccess, this.now())) return false;
    if (stream.forkCount > 0) {
      if (!stream.softDeleted) {
        stream.softDeleted = true;
        stream.live?.wakeAll("gone");
        this.store.markDeleted(stream.path).catch(() => {
          stream.softDeleted = false; // not durable: expire again next time
        });
      }
      return false;
    }
    void this.removeFully(stream).catch(() => {});
    return true;
  }

  /** Removes a stream once its removal is durable; one removal per stream at a time. */
  private removeFully(stream: StreamState): Promise<void> {
    const pending = this.removing.get(stream.path);
    if (pending) return pending;
    if (this.streams.get(stream.path) !== stream) return Promise.resolve();
    const removal = this.settle(stream, this.store.remove(stream.path), () => {
      this.streams.delete(stream.path);
      stream.live?.wakeAll("gone");
    }).finally(() => {
      if (this.removing.get(stream.path) === removal) this.removing.delete(stream.path);
    });
    this.removing.set(stream.path, removal);
    return removal.then(() => this.releaseSource(stream));
  }

  /** §4.2: garbage collection cascades up the fork chain. The fork's own removal stands whatever happens here. */
  private async releaseSource(fork: StreamState): Promise<void> {
    const source = fork.meta.fork && this.streams.get(fork.meta.fork.source);
    if (!source) return;
    source.forkCount--;
    // If this fails (a full disk), the sweep tries again.
    if (source.softDeleted && source.forkCount === 0) await this.removeFully(source).catch(() => {});
  }

  /**
   * Runs a store change that other requests must not see half-done: they wait on `ready`
   * until it is durable, and `onDurable` applies it before any of them resumes. A failure
   * changes nothing and is mapped like an append's (507 for a full disk).
   */
  private async settle(stream: StreamState, change: Promise<void>, onDurable: () => void): Promise<void> {
    const applied = change.then(onDurable);
    const ready = applied.then(
      () => {},
      () => {},
    );
    stream.ready = ready;
    try {
      await applied;
    } catch (error) {
      throw storeError(error);
    } finally {
      if (stream.ready === ready) stream.ready = undefined;
    }
  }

  // --- Out-of-order producer arrival (PROTOCOL §5.2.1 concurrency) ---

  private readonly producerWaiters = new WeakMap<StreamState, Set<() => void>>();

  /** Waits until another append of this stream is decided, or `timeoutMs` passes. */
  private waitForProducerProgress(stream: StreamState, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.producerWaiters.get(stream);
      if (!set) {
        set = new Set();
        this.producerWaiters.set(stream, set);
      }
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      set.add(done);
    });
  }

  private notifyProducerProgress(stream: StreamState): void {
    const waiters = this.producerWaiters.get(stream);
    if (!waiters) return;
    this.producerWaiters.delete(stream);
    for (const wake of waiters) wake();
  }
}

/** Millions of streams share a handful of content types; keep one string of each. */
const contentTypes = new Map<string, string>();
function internContentType(contentType: string): string {
  const known = contentTypes.get(contentType);
  if (known !== undefined) return known;
  if (contentTypes.size < 1024) contentTypes.set(contentType, contentType);
  return contentType;
}

/** Most streams never expire; they all share one empty lifetime. */
const NO_LIFETIME: Lifetime = Object.freeze({});
function shareLifetime(lifetime: Lifetime): Lifetime {
  return lifetime.ttlSeconds === undefined && lifetime.expiresAt === undefined ? NO_LIFETIME : lifetime;
}

function isSequenceGap(error: unknown): boolean {
  return error instanceof ProtocolError && error.code === "PRODUCER_SEQ_GAP";
}

function configOf(stream: StreamState): StreamConfig {
  return {
    contentType: stream.meta.contentType,
    lifetime: stream.meta.lifetime,
    closed: stream.closed,
    fork: stream.meta.fork,
  };
}

/** Store failures as protocol errors, by type (never by message). */
function storeError(error: unknown): unknown {
  if (error instanceof ProtocolError) return error;
  if (error instanceof StoreFullError) {
    return new ProtocolError("INSUFFICIENT_STORAGE", error.message, { "retry-after": "5" }, { cause: error });
  }
  if (error instanceof StoreBusyError) {
    return new ProtocolError(
      "TOO_MANY_OPEN_FILES",
      "The server is out of file descriptors; try again shortly",
      { "retry-after": "1" },
      { cause: error },
    );
  }
  if (error instanceof StoreCorruptionError) {
    return new ProtocolError(
      "DATA_CORRUPTED",
      `Stored data failed its checksum at ${error.file} byte ${error.position}; it is not served`,
      {},
      { cause: error },
    );
  }
  return new ProtocolError("INTERNAL", "The store failed to complete the operation", {}, { cause: error });
}
