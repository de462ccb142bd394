/**
 * The in-memory state of one stream. Two views live side by side:
 * - visible: `tail` and `closed` cover only durable (acknowledged) data; readers use these.
 * - decided: `decidedTail`, `decidedClosed`, producers, Stream-Seq and `closedBy` include appends
 *   accepted but still being made durable, so pipelined appends are decided in arrival order.
 * When a store write fails, `Writer` rolls the decided view back (see writer.ts).
 */
import type { ProducerClaim, ProducerState, WriterView } from "@rivulet/protocol";
import type { StreamMeta } from "../store/types.js";
import type { LiveSet } from "./live.js";

let nextStreamId = 1;

export class StreamState {
  /** Internal identity for ETags: a re-created path gets a new id, so old ETags never match. */
  readonly id = (nextStreamId++).toString(36);
  tail: number;
  closed: boolean;
  decidedTail: number;
  decidedClosed: boolean;
  lastStreamSeq: string | undefined;
  closedBy: ProducerClaim | undefined;
  producers: Map<string, ProducerState> | undefined;
  /** Number of forks whose source is this stream (PROTOCOL §4.2 reference count). */
  forkCount = 0;
  softDeleted = false;
  /** Set while the stream's creation is being made durable; operations wait for it. */
  ready: Promise<void> | undefined;
  lastAccess: number;
  live: LiveSet | undefined;

  constructor(
    readonly meta: StreamMeta,
    tail: number,
    closed: boolean,
    now: number,
  ) {
    this.tail = tail;
    this.decidedTail = tail;
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

  /** First position stored by this stream itself; below it, data comes from the fork source. */
  get base(): number {
    return this.meta.fork?.position ?? 0;
  }

  producerState(id: string): ProducerState | undefined {
    return this.producers?.get(id);
  }

  /** WriterView: decisions see appends already accepted, not only durable ones. */
  get decisionView(): WriterView {
    return {
      contentType: this.meta.contentType,
      tail: this.decidedTail,
      closed: this.decidedClosed,
      lastStreamSeq: this.lastStreamSeq,
      closedBy: this.closedBy,
      producerState: (id) => this.producers?.get(id),
    };
  }
}
