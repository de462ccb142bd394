/**
 * The stream engine: every state change on streams. Handlers call it after parsing HTTP; it
 * asks @rivulet/protocol for each decision and the Store for durability, wakes live readers,
 * and publishes what happened on its event feed. Streams are looked up in the store on demand
 * (registry.ts); deletion and expiry are in removal.ts. Nothing here speaks HTTP.
 */
import {
  type AppendIntent,
  DEFAULT_CONTENT_TYPE,
  decideAppend,
  decideCreate,
  frameJson,
  isExpired,
  isJsonContentType,
  type Lifetime,
  type ProducerState,
  ProtocolError,
  type StreamConfig,
} from "@rivulet/protocol";
import { StoreConflictError, StoreMissingError } from "../store/errors.js";
import type { AppendRecord, Store, StoredStream, StreamMeta } from "../store/types.js";
import { type EngineEvent, EventFeed } from "./events.js";
import { type ForkRequest, resolveFork } from "./fork.js";
import { LiveSet } from "./live.js";
import { ProducerWaits } from "./producer-waits.js";
import { StreamRegistry } from "./registry.js";
import { Removal } from "./removal.js";
import { storeError } from "./store-errors.js";
import { StreamState } from "./stream-state.js";
import { StreamWriter } from "./writer.js";

export interface EngineOptions {
  readonly store: Store;
  readonly now?: () => number;
  /** How long an append whose Producer-Seq skips ahead waits for the missing ones (out-of-order arrival). */
  readonly producerReorderWaitMs?: number;
  /** An event listener threw: report it (the engine carries on). */
  readonly onListenerError?: (error: unknown, event: EngineEvent) => void;
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
  /** How long the write waited for the store to make it durable, in ms (0 when nothing was written). */
  readonly commitWaitMs: number;
}

/** How often a write re-decides after another server changed the stream first, before giving up (503). */
const CONFLICT_RETRIES = 5;

export class Engine {
  readonly store: Store;
  readonly now: () => number;
  readonly events: EventFeed;
  private readonly registry: StreamRegistry;
  private readonly writer: StreamWriter;
  private readonly removal: Removal;
  private readonly producerWaits = new ProducerWaits();
  private readonly reorderWaitMs: number;
  /** Message counts of records in flight, for the `appended` event. */
  private readonly messageCounts = new WeakMap<AppendRecord, number>();
  private lastCreatedAt = 0;
  /** Set at shutdown: live reads answer at once instead of waiting. */
  draining = false;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.reorderWaitMs = options.producerReorderWaitMs ?? 250;
    this.events = new EventFeed(options.onListenerError ?? (() => {}));
    this.registry = new StreamRegistry(this.store, this.now);
    this.writer = new StreamWriter(this.store, (stream, record) => this.onVisible(stream, record));
    this.removal = new Removal(this.store, this.registry, this.events, this.now);
  }

  /** Opens the store; streams that can expire are held in memory from the start, so they do. */
  async open(): Promise<void> {
    await this.store.open();
    for (const stored of await this.store.withLifetime()) this.adoptLoaded(stored);
  }

  /** Streams the store holds (soft-deleted ones kept for forks included). */
  get streamCount(): number {
    return this.store.count();
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
    if (touch) stream.lastAccess = this.now();
    return stream;
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

  async create(path: string, request: CreateRequest, attempt = 0): Promise<{ created: boolean; stream: StreamState }> {
    const live = await this.removal.liveForCreate(path);
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

    const { data, messages } = frame(config.contentType, request.body, "create");
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
    this.registry.set(stream);
    // A fork holds its source while it is being made, so a delete of the source keeps it (§4.2).
    const releaseSource = meta.fork ? this.removal.holdSource(meta.fork.source) : undefined;
    // Visible to other requests only once durable: they wait on `ready` (read-your-writes).
    stream.ready = this.store.create(meta, first);
    try {
      await stream.ready;
    } catch (error) {
      this.registry.forget(stream);
      // Another server created it first: decide again against what it made.
      if (error instanceof StoreConflictError && attempt < CONFLICT_RETRIES)
        return this.create(path, request, attempt + 1);
      throw storeError(error);
    } finally {
      stream.ready = undefined;
      releaseSource?.();
    }
    this.events.emit({ type: "created", path, meta, tail: stream.tail });
    if (data.length > 0) this.events.emit({ type: "appended", path, start, end: stream.tail, messages });
    if (config.closed) this.events.emit({ type: "closed", path, tail: stream.tail });
    return { created: true, stream };
  }

  async append(path: string, request: AppendRequest): Promise<AppendResult> {
    for (let attempt = 0; ; attempt++) {
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
          await this.producerWaits.wait(stream, wait);
          stream = await this.get(path, false);
        }
      }
      if (decision.kind === "noop") {
        return {
          written: false,
          tail: stream.decidedTail,
          closed: stream.decidedClosed,
          producer: decision.producer,
          commitWaitMs: 0,
        };
      }
      const { data, messages } = frame(stream.contentType, request.body, "append");
      const record: AppendRecord = {
        position: stream.decidedTail,
        data,
        producer: decision.producer && {
          id: decision.producer.id,
          epoch: decision.producer.state.epoch,
          seq: decision.producer.state.lastSeq,
        },
        streamSeq: decision.streamSeq,
        close: decision.close,
      };
      this.messageCounts.set(record, messages);
      const handedOver = performance.now();
      const written = this.writer.write(stream, record);
      this.producerWaits.progressed(stream);
      try {
        await written;
      } catch (error) {
        if (error instanceof StoreConflictError && attempt < CONFLICT_RETRIES) {
          await this.resync(stream);
          continue;
        }
        if (error instanceof StoreMissingError) this.registry.forget(stream);
        throw storeError(error);
      }
      return {
        written: true,
        tail: record.position + record.data.length,
        closed: stream.closed,
        producer: decision.producer?.state,
        commitWaitMs: performance.now() - handedOver,
      };
    }
  }

  /**
   * Deletes a stream. It stays exactly as it was, to every request, until the deletion is
   * durable: a deletion the store refuses (a full disk: 507) changes nothing, now or after a
   * restart, and an acknowledged one never comes back.
   */
  async delete(path: string): Promise<void> {
    await this.removal.delete(await this.get(path, false));
  }

  /** Reclaims expired streams, and soft-deleted ones whose last fork has gone; runs on a timer. */
  sweepExpired(): void {
    void this.removal.sweep();
  }

  /** Stored bytes [start, end) of the stream itself, with store failures as protocol errors. */
  async readStored(stream: StreamState, start: number, end: number): Promise<Uint8Array> {
    try {
      return await this.store.read(stream.path, start, end);
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Shutdown: every waiting long-poll answers and every SSE session ends, now and from now on. */
  beginShutdown(): void {
    this.draining = true;
    for (const stream of this.registry.values()) stream.live?.wakeAll("closing");
  }

  /**
   * A page of streams whose path starts with `prefix`, in path order, after `after` (the admin
   * listing), with the in-memory view of those in memory. Expired streams are left out.
   */
  async list(prefix: string, after: string | undefined, limit: number): Promise<StoredStream[]> {
    const now = this.now();
    const page: StoredStream[] = [];
    for (const stored of await this.store.list({ prefix, after, limit })) {
      const stream = this.registry.inMemory(stored.meta.path);
      if (stream?.ready) continue;
      if (stream && isExpired(stream.meta.lifetime, stream.lastAccess, now)) continue;
      page.push(
        stream ? { ...stored, tail: stream.tail, closed: stream.closed, softDeleted: stream.softDeleted } : stored,
      );
    }
    return page;
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

  /** Another server changed the stream first: take the stored state once this server's own appends settled. */
  private async resync(stream: StreamState): Promise<void> {
    await this.writer.idle(stream);
    const stored = await this.store.lookup(stream.path);
    if (!stored || stored.meta.createdAt !== stream.meta.createdAt) {
      this.registry.forget(stream);
      stream.live?.wakeAll("gone");
      return;
    }
    const before = stream.tail;
    stream.adopt(stored);
    if (stream.tail !== before || stream.closed) stream.live?.wakeAll(stream.tail !== before ? "data" : "closed");
  }

  private adoptLoaded(stored: StoredStream): void {
    if (this.registry.inMemory(stored.meta.path)) return;
    this.registry.set(StreamState.fromStored(stored, this.now()));
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

  private onVisible(stream: StreamState, record: AppendRecord): void {
    const live = stream.live;
    if (live) {
      live.remember(record.position, record.data);
      live.wakeAll(record.data.length > 0 ? "data" : "closed");
    }
    const end = record.position + record.data.length;
    if (record.data.length > 0) {
      const messages = this.messageCounts.get(record) ?? 1;
      this.events.emit({ type: "appended", path: stream.path, start: record.position, end, messages });
    }
    if (record.close) this.events.emit({ type: "closed", path: stream.path, tail: end });
  }
}

/** The bytes a stream stores for a body, by content type (PROTOCOL §9), and how many messages they hold. */
function frame(
  contentType: string,
  body: Uint8Array,
  operation: "create" | "append",
): { data: Uint8Array; messages: number } {
  if (body.length === 0) return { data: body, messages: 0 };
  if (!isJsonContentType(contentType)) return { data: body, messages: 1 };
  const framed = frameJson(body);
  // §9.1.3: `[]` creates an empty stream on PUT but is a client bug on POST.
  if (framed.messageCount === 0 && operation === "append") {
    throw new ProtocolError("EMPTY_JSON_ARRAY", "An append must not be an empty JSON array");
  }
  return { data: framed.data, messages: framed.messageCount };
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
