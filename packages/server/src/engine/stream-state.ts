/**
 * The in-memory state of one stream. Two views live side by side:
 * - visible: `tail`, `nextSeq`, `lastTs` and `closed` cover only durable (acknowledged) data;
 *   readers use these.
 * - decided: `decidedTail`, `decidedNextSeq`, `decidedLastTs`, `decidedClosed`, producers,
 *   Stream-Seq and `closedBy` include appends accepted but still being made durable, so
 *   pipelined appends are decided in arrival order.
 * When a store write fails, `Writer` rolls the decided view back (see writer.ts).
 *
 * A server may hold millions of idle streams, so the object is kept small: writer state that
 * most streams never use (producers, Stream-Seq, who closed it) lives in a side object made
 * on first use.
 */
import type { ProducerClaim, ProducerState, WriterView } from "@rivulet/protocol";
import type { RecordTarget } from "../store/record-state.js";
import type { StoredStream, StreamMeta } from "../store/types.js";
import type { LiveSet } from "./live.js";

interface WriterExtras {
  lastStreamSeq: string | undefined;
  closedBy: ProducerClaim | undefined;
  producers: Map<string, ProducerState> | undefined;
}

export class StreamState {
  tail: number;
  nextSeq: number;
  lastTs: number;
  closed: boolean;
  decidedTail: number;
  decidedNextSeq: number;
  decidedLastTs: number;
  decidedClosed: boolean;
  /** First retained position (retention and trims move it; reads below it answer 410). */
  earliest: number;
  softDeleted = false;
  /** Set while the stream's creation is being made durable; operations wait for it. */
  ready: Promise<void> | undefined = undefined;
  lastAccess: number;
  live: LiveSet | undefined = undefined;
  private extras: WriterExtras | undefined = undefined;
  private decidedView: DecidedView | undefined = undefined;

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
    this.decidedTail = tail;
    this.nextSeq = this.decidedNextSeq = meta.inherited?.seq ?? 0;
    this.lastTs = this.decidedLastTs = meta.inherited?.ts ?? 0;
    this.earliest = meta.inherited?.earliest ?? meta.fork?.position ?? 0;
    this.closed = closed;
    this.decidedClosed = closed;
    this.lastAccess = now;
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
    if (value !== undefined || this.extras) this.writerExtras().lastStreamSeq = value;
  }

  get closedBy(): ProducerClaim | undefined {
    return this.extras?.closedBy;
  }

  set closedBy(value: ProducerClaim | undefined) {
    if (value !== undefined || this.extras) this.writerExtras().closedBy = value;
  }

  get producers(): Map<string, ProducerState> | undefined {
    return this.extras?.producers;
  }

  /** The producer map, made on first use. */
  producerMap(): Map<string, ProducerState> {
    const extras = this.writerExtras();
    extras.producers ??= new Map();
    return extras.producers;
  }

  producerState(id: string): ProducerState | undefined {
    return this.extras?.producers?.get(id);
  }

  /** The decided view as a record target: what the writer applies each accepted record to (record-state.ts). */
  get decided(): RecordTarget {
    this.decidedView ??= new DecidedView(this);
    return this.decidedView;
  }

  /**
   * Takes the stored state as both the visible and the decided view: after a lookup, or after
   * another server changed the stream (only when no append of this one is in flight).
   */
  adopt(stored: StoredStream): void {
    this.meta = stored.meta;
    this.tail = this.decidedTail = stored.tail;
    this.nextSeq = this.decidedNextSeq = stored.nextSeq;
    this.lastTs = this.decidedLastTs = stored.lastTs;
    this.earliest = stored.earliest;
    this.closed = this.decidedClosed = stored.closed;
    this.softDeleted = stored.softDeleted;
    this.lastStreamSeq = stored.lastStreamSeq;
    this.closedBy = stored.closedBy;
    if (stored.producers.size > 0) this.writerExtras().producers = new Map(stored.producers);
    else if (this.extras) this.extras.producers = undefined;
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

  private writerExtras(): WriterExtras {
    this.extras ??= { lastStreamSeq: undefined, closedBy: undefined, producers: undefined };
    return this.extras;
  }
}

/** The decided fields of a stream under the names record-state.ts applies records to. */
class DecidedView implements RecordTarget {
  constructor(private readonly stream: StreamState) {}

  get tail(): number {
    return this.stream.decidedTail;
  }

  set tail(value: number) {
    this.stream.decidedTail = value;
  }

  get nextSeq(): number {
    return this.stream.decidedNextSeq;
  }

  set nextSeq(value: number) {
    this.stream.decidedNextSeq = value;
  }

  get lastTs(): number {
    return this.stream.decidedLastTs;
  }

  set lastTs(value: number) {
    this.stream.decidedLastTs = value;
  }

  get closed(): boolean {
    return this.stream.decidedClosed;
  }

  set closed(value: boolean) {
    this.stream.decidedClosed = value;
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
