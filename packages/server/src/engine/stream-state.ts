/**
 * The in-memory state of one stream. Two views live side by side:
 * - visible: `tail`, `nextSeq`, `lastTs` and `closed` cover only durable (acknowledged) data;
 *   readers use these.
 * - decided: `decidedTail`, `decidedNextSeq`, `decidedLastTs`, `decidedClosed`, producers,
 *   Stream-Seq and `closedBy` include appends accepted but still being made durable, so
 *   pipelined appends are decided in arrival order. While no append is in flight the decided
 *   tail, seq, time and closure are the visible ones: their own copy exists only meanwhile.
 * When a store write fails, `Writer` rolls the decided view back (see writer.ts).
 *
 * A server may hold millions of idle streams, so the object is kept small (96 bytes): flags
 * share one field, the access time is kept as a small integer, and what only busy streams use
 * (creation in flight, live readers, producers, Stream-Seq, who closed it) lives in a side
 * object made on first use and dropped when it holds nothing again.
 */
import type { ProducerClaim, ProducerState, WriterView } from "@rivulet/protocol";
import type { RecordTarget } from "../store/record-state.js";
import type { StoredStream, StreamMeta } from "../store/types.js";
import type { LiveSet } from "./live.js";

interface Extras {
  ready: Promise<void> | undefined;
  live: LiveSet | undefined;
  lastStreamSeq: string | undefined;
  closedBy: ProducerClaim | undefined;
  producers: Map<string, ProducerState> | undefined;
}

// Flag bits of `StreamState.flags`; the bits above them count pins (see `pin`).
const CLOSED = 1;
const SOFT_DELETED = 2;
/** No longer the stream at its path: removed, or replaced by a re-create (registry.ts). */
const REMOVED = 4;
/** Dropped from memory while idle (registry.ts): the store holds all of it. */
const EVICTED = 8;
/** Looked up since the registry's last eviction sweep: kept one more sweep. */
const USED = 16;
const PIN = 32;

/**
 * Access times are kept relative to this process's start: as a small integer (for about 24
 * days of uptime) the field needs no boxed number of its own per stream.
 */
const ACCESS_EPOCH = Date.now();

export class StreamState {
  tail: number;
  nextSeq: number;
  lastTs: number;
  /** First retained position (retention and trims move it; reads below it answer 410). */
  earliest: number;
  private flags = 0;
  private accessedAt: number;
  private extras: Extras | undefined = undefined;
  /** The decided view while appends are in flight; undefined when it is the visible one. */
  private ahead: DecidedView | undefined = undefined;

  /** A stream's state as the store answered a lookup. */
  static fromStored(stored: StoredStream, now: number): StreamState {
    const stream = new StreamState(stored.meta, stored.tail, stored.closed, now);
    stream.adopt(stored);
    return stream;
  }

  /** A new stream: empty from its base, or, for a fork, continuing what it inherited. */
  constructor(
    public meta: StreamMeta,
    tail: number,
    closed: boolean,
    now: number,
  ) {
    this.tail = tail;
    this.nextSeq = meta.inherited?.seq ?? 0;
    this.lastTs = meta.inherited?.ts ?? 0;
    this.earliest = meta.inherited?.earliest ?? meta.fork?.position ?? 0;
    this.flags = closed ? CLOSED : 0;
    this.accessedAt = now - ACCESS_EPOCH;
  }

  get closed(): boolean {
    return (this.flags & CLOSED) !== 0;
  }

  set closed(value: boolean) {
    this.flag(CLOSED, value);
  }

  get decidedTail(): number {
    return this.ahead ? this.ahead.tail : this.tail;
  }

  get decidedNextSeq(): number {
    return this.ahead ? this.ahead.nextSeq : this.nextSeq;
  }

  get decidedLastTs(): number {
    return this.ahead ? this.ahead.lastTs : this.lastTs;
  }

  get decidedClosed(): boolean {
    return this.ahead ? this.ahead.closed : this.closed;
  }

  get softDeleted(): boolean {
    return (this.flags & SOFT_DELETED) !== 0;
  }

  set softDeleted(value: boolean) {
    this.flag(SOFT_DELETED, value);
  }

  /** Whether the stream was removed or replaced: it is no longer the stream at its path. */
  get removed(): boolean {
    return (this.flags & REMOVED) !== 0;
  }

  markRemoved(): void {
    this.flag(REMOVED, true);
  }

  /** Whether the registry dropped this state while idle (a later lookup makes a new one). */
  get evicted(): boolean {
    return (this.flags & EVICTED) !== 0;
  }

  set evicted(value: boolean) {
    this.flag(EVICTED, value);
  }

  /** Operations holding this state across an await: while any does, it stays in memory. */
  get pins(): number {
    return this.flags >>> 5;
  }

  pin(): void {
    this.flags += PIN;
  }

  unpin(): void {
    if (this.flags >= PIN) this.flags -= PIN;
    this.flags |= USED;
  }

  /** Marks the state as looked up now. */
  used(): void {
    this.flags |= USED;
  }

  /** Whether it was looked up since the last call; clears the mark. */
  takeUsed(): boolean {
    const used = (this.flags & USED) !== 0;
    this.flags &= ~USED;
    return used;
  }

  /**
   * Whether everything in this state is also in the store, so dropping it loses nothing a
   * lookup (`fromStored`) does not give back: no pin, no append decided but not yet visible,
   * no creation or removal in flight, no live readers, and neither an expiry clock (a sliding
   * TTL's last access is only here) nor a soft delete (the expiry sweep walks held states).
   */
  get quiescent(): boolean {
    if (this.flags >= PIN || (this.flags & (SOFT_DELETED | REMOVED)) !== 0 || this.ahead) return false;
    if (this.extras?.ready || this.extras?.live) return false;
    const lifetime = this.meta.lifetime;
    return lifetime.ttlSeconds === undefined && lifetime.expiresAt === undefined;
  }

  private flag(bit: number, value: boolean): void {
    this.flags = value ? this.flags | bit : this.flags & ~bit;
  }

  /** When the stream was last read or written (ms since the epoch): its sliding TTL counts from it. */
  get lastAccess(): number {
    return this.accessedAt + ACCESS_EPOCH;
  }

  set lastAccess(value: number) {
    this.accessedAt = value - ACCESS_EPOCH;
  }

  /** Set while the stream's creation is being made durable; operations wait for it. */
  get ready(): Promise<void> | undefined {
    return this.extras?.ready;
  }

  set ready(value: Promise<void> | undefined) {
    this.setExtra("ready", value);
  }

  /** Readers waiting on this stream, while there are any. */
  get live(): LiveSet | undefined {
    return this.extras?.live;
  }

  set live(value: LiveSet | undefined) {
    this.setExtra("live", value);
  }

  get path(): string {
    return this.meta.path;
  }

  get contentType(): string {
    return this.meta.contentType;
  }

  /**
   * Identity for ETags: the creation time, so a stream re-created at the same path (even
   * across restarts) never matches an old ETag.
   */
  get etagId(): string {
    return this.meta.createdAt.toString(36);
  }

  /** First position stored by this stream itself; below it, data comes from the fork source. */
  get base(): number {
    return this.meta.fork?.position ?? 0;
  }

  get lastStreamSeq(): string | undefined {
    return this.extras?.lastStreamSeq;
  }

  set lastStreamSeq(value: string | undefined) {
    this.setExtra("lastStreamSeq", value);
  }

  get closedBy(): ProducerClaim | undefined {
    return this.extras?.closedBy;
  }

  set closedBy(value: ProducerClaim | undefined) {
    this.setExtra("closedBy", value);
  }

  get producers(): Map<string, ProducerState> | undefined {
    return this.extras?.producers;
  }

  /** The producer map, made on first use. */
  producerMap(): Map<string, ProducerState> {
    const extras = this.extra();
    extras.producers ??= new Map();
    return extras.producers;
  }

  producerState(id: string): ProducerState | undefined {
    return this.extras?.producers?.get(id);
  }

  /** The decided view as a record target: what the writer applies each accepted record to (record-state.ts). */
  get decided(): RecordTarget {
    this.ahead ??= new DecidedView(this);
    return this.ahead;
  }

  /**
   * Every decided append is now visible or undone (Writer), so the decided view is the visible
   * one again and its own copy goes.
   */
  caughtUp(): void {
    this.ahead = undefined;
  }

  /**
   * Takes the stored state as both the visible and the decided view: after a lookup, or after
   * another server changed the stream (only when no append of this one is in flight).
   */
  adopt(stored: StoredStream): void {
    this.meta = stored.meta;
    this.ahead = undefined;
    this.tail = stored.tail;
    this.nextSeq = stored.nextSeq;
    this.lastTs = stored.lastTs;
    this.earliest = stored.earliest;
    this.closed = stored.closed;
    this.softDeleted = stored.softDeleted;
    this.lastStreamSeq = stored.lastStreamSeq;
    this.closedBy = stored.closedBy;
    this.setExtra("producers", stored.producers.size > 0 ? new Map(stored.producers) : undefined);
  }

  /** WriterView: decisions see appends already accepted, not only durable ones. */
  get decisionView(): WriterView {
    return {
      contentType: this.meta.contentType,
      tail: this.decidedTail,
      nextSeq: this.decidedNextSeq,
      closed: this.decidedClosed,
      lastStreamSeq: this.lastStreamSeq,
      closedBy: this.closedBy,
      producerState: (id) => this.producerState(id),
    };
  }

  private extra(): Extras {
    this.extras ??= {
      ready: undefined,
      live: undefined,
      lastStreamSeq: undefined,
      closedBy: undefined,
      producers: undefined,
    };
    return this.extras;
  }

  /** Sets one side field; the side object goes when nothing in it is left. */
  private setExtra<K extends keyof Extras>(key: K, value: Extras[K]): void {
    if (value !== undefined) {
      this.extra()[key] = value;
      return;
    }
    const extras = this.extras;
    if (!extras) return;
    extras[key] = value;
    if (
      extras.ready === undefined &&
      extras.live === undefined &&
      extras.lastStreamSeq === undefined &&
      extras.closedBy === undefined &&
      extras.producers === undefined
    ) {
      this.extras = undefined;
    }
  }
}

/**
 * The decided tail, seq, time and closure while appends are in flight, under the names
 * record-state.ts applies records to; the writer state it forwards to the stream.
 */
class DecidedView implements RecordTarget {
  tail: number;
  nextSeq: number;
  lastTs: number;
  closed: boolean;

  constructor(private readonly stream: StreamState) {
    this.tail = stream.tail;
    this.nextSeq = stream.nextSeq;
    this.lastTs = stream.lastTs;
    this.closed = stream.closed;
  }

  get lastStreamSeq(): string | undefined {
    return this.stream.lastStreamSeq;
  }

  set lastStreamSeq(value: string | undefined) {
    this.stream.lastStreamSeq = value;
  }

  get closedBy(): ProducerClaim | undefined {
    return this.stream.closedBy;
  }

  set closedBy(value: ProducerClaim | undefined) {
    this.stream.closedBy = value;
  }

  producerMap(): Map<string, ProducerState> {
    return this.stream.producerMap();
  }
}
