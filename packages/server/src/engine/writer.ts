/**
 * The append pipeline of each stream. Decisions are made synchronously in arrival order
 * against the decided view, then the record goes to the store; many records can be in flight
 * at once (the store group-commits them). Visible state advances only as records become
 * durable, in order. If the store rejects a record, that record and every later one in flight
 * are undone, newest first, restoring the decided view to what is durable.
 */
import type { ProducerClaim, ProducerState } from "@rivulet/protocol";
import { applyRecord } from "../store/record-state.js";
import type { AppendRecord, Store } from "../store/types.js";
import type { StreamState } from "./stream-state.js";

interface InFlight {
  readonly record: AppendRecord;
  done: boolean;
  // What the record overwrote in the decided view, to undo it.
  readonly prevTail: number;
  readonly prevNextSeq: number;
  readonly prevLastTs: number;
  readonly prevClosed: boolean;
  readonly prevStreamSeq: string | undefined;
  readonly prevClosedBy: ProducerClaim | undefined;
  readonly prevProducer: ProducerState | undefined;
}

export class StreamWriter {
  private readonly inFlight = new WeakMap<StreamState, InFlight[]>();
  private readonly idleWaiters = new WeakMap<StreamState, Array<() => void>>();

  constructor(
    private readonly store: Store,
    private readonly onVisible: (stream: StreamState, record: AppendRecord) => void,
  ) {}

  /** Applies `record` to the decided view and makes it durable; resolves once visible. */
  async write(stream: StreamState, record: AppendRecord): Promise<void> {
    const decided = stream.decided;
    const op: InFlight = {
      record,
      done: false,
      prevTail: decided.tail,
      prevNextSeq: decided.nextSeq,
      prevLastTs: decided.lastTs,
      prevClosed: decided.closed,
      prevStreamSeq: decided.lastStreamSeq,
      prevClosedBy: decided.closedBy,
      prevProducer: record.producer ? stream.producerState(record.producer.id) : undefined,
    };
    let queue = this.inFlight.get(stream);
    if (!queue) {
      queue = [];
      this.inFlight.set(stream, queue);
    }
    queue.push(op);
    applyRecord(decided, record);

    try {
      await this.store.append(stream.path, record);
    } catch (error) {
      this.rollBack(stream, op);
      throw error;
    }
    op.done = true;
    // Records become visible strictly in order, whatever order the store resolves them in.
    while (queue.length > 0 && queue[0]!.done) {
      const head = queue.shift()!;
      stream.tail = head.record.position + head.record.data.length;
      stream.nextSeq += head.record.messages;
      if (head.record.messages > 0 && head.record.ts > stream.lastTs) stream.lastTs = head.record.ts;
      if (head.record.close) stream.closed = true;
      this.onVisible(stream, head.record);
    }
    if (queue.length === 0) this.settle(stream);
  }

  /** Resolves once no append of `stream` is in flight. */
  idle(stream: StreamState): Promise<void> {
    if (!this.inFlight.has(stream)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.idleWaiters.get(stream) ?? [];
      waiters.push(resolve);
      this.idleWaiters.set(stream, waiters);
    });
  }

  private rollBack(stream: StreamState, failed: InFlight): void {
    const queue = this.inFlight.get(stream);
    const index = queue ? queue.indexOf(failed) : -1;
    // Already undone when an earlier record of this stream failed.
    if (!queue || index === -1) return;
    for (let i = queue.length - 1; i >= index; i--) undo(stream, queue[i]!);
    queue.length = index;
    if (queue.length === 0) this.settle(stream);
  }

  private settle(stream: StreamState): void {
    this.inFlight.delete(stream);
    const waiters = this.idleWaiters.get(stream);
    if (!waiters) return;
    this.idleWaiters.delete(stream);
    for (const wake of waiters) wake();
  }
}

function undo(stream: StreamState, op: InFlight): void {
  const decided = stream.decided;
  decided.tail = op.prevTail;
  decided.nextSeq = op.prevNextSeq;
  decided.lastTs = op.prevLastTs;
  decided.closed = op.prevClosed;
  decided.lastStreamSeq = op.prevStreamSeq;
  decided.closedBy = op.prevClosedBy;
  const producer = op.record.producer;
  if (producer) {
    if (op.prevProducer) stream.producers?.set(producer.id, op.prevProducer);
    else stream.producers?.delete(producer.id);
  }
}
