/**
 * The append pipeline of each stream. Decisions are made synchronously in arrival order
 * against the decided view, then the record goes to the store; many records can be in flight
 * at once (the store group-commits them). Visible state advances only as records become
 * durable, in order. If the store rejects a record, that record and every later one in flight
 * are undone, newest first, restoring the decided view to what is durable.
 *
 * An atomic write (a transaction) puts one record into the pipeline of each of its streams in
 * one synchronous step, so every pipeline orders atomic writes the same way, and becomes
 * visible on all its streams in one step too: only once it is durable and, on each stream,
 * everything before it is visible. Readers are woken only after that step, so none sees part
 * of it.
 */
import type { ProducerClaim, ProducerState } from "@rivulet/protocol";
import { applyRecord } from "../store/record-state.js";
import type { AppendRecord, AtomicPart, Store } from "../store/types.js";
import type { StreamState } from "./stream-state.js";

interface InFlight {
  readonly record: AppendRecord;
  done: boolean;
  /** For a record of an atomic write: all of the write's records, on their streams. */
  readonly group: ReadonlyArray<GroupMember> | undefined;
  // What the record overwrote in the decided view, to undo it.
  readonly prevTail: number;
  readonly prevNextSeq: number;
  readonly prevLastTs: number;
  readonly prevClosed: boolean;
  readonly prevStreamSeq: string | undefined;
  readonly prevClosedBy: ProducerClaim | undefined;
  readonly prevProducer: ProducerState | undefined;
  /** Called once the record is visible or undone (StreamWriter.settled). */
  settled?: Array<() => void> | undefined;
}

interface GroupMember {
  readonly stream: StreamState;
  readonly op: InFlight;
}

/** One record of an atomic write, for the stream it goes to. */
export interface AtomicWrite {
  readonly stream: StreamState;
  readonly record: AppendRecord;
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
    const op = this.enqueue(stream, record, undefined);
    try {
      await this.store.append(stream.path, record);
    } catch (error) {
      this.rollBack(stream, op);
      throw error;
    }
    op.done = true;
    this.drain(stream);
  }

  /**
   * Applies every record to its stream's decided view at once, and makes them durable as one
   * unit (Store.appendAtomic); resolves once all are visible. On failure none of them is.
   */
  async writeAtomic(writes: readonly AtomicWrite[]): Promise<void> {
    // One record per stream: each must head its own stream's queue to become visible.
    if (new Set(writes.map((w) => w.stream)).size !== writes.length) {
      throw new Error("An atomic write has one record per stream");
    }
    const group: GroupMember[] = [];
    for (const { stream, record } of writes) group.push({ stream, op: this.enqueue(stream, record, group) });
    const parts: AtomicPart[] = writes.map(({ stream, record }) => ({ path: stream.path, record }));
    try {
      await this.store.appendAtomic(parts);
    } catch (error) {
      for (const { stream, op } of group) this.rollBack(stream, op);
      throw error;
    }
    for (const { op } of group) op.done = true;
    for (const { stream } of group) this.drain(stream);
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

  /** Whether an append of `stream` is in flight. */
  busy(stream: StreamState): boolean {
    return this.inFlight.has(stream);
  }

  /**
   * Resolves once the appends of `stream` in flight now are visible or undone; unlike `idle`,
   * appends that arrive meanwhile are not waited for, so a steady flow cannot starve the caller.
   */
  settled(stream: StreamState): Promise<void> {
    const last = this.inFlight.get(stream)?.at(-1);
    if (!last) return Promise.resolve();
    return new Promise((resolve) => {
      last.settled ??= [];
      last.settled.push(resolve);
    });
  }

  private enqueue(stream: StreamState, record: AppendRecord, group: GroupMember[] | undefined): InFlight {
    const decided = stream.decided;
    const op: InFlight = {
      record,
      done: false,
      group,
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
    return op;
  }

  /**
   * Makes the stream's durable records visible, strictly in order whatever order the store
   * resolves them in. A record of an atomic write waits until it heads the queue of each of its
   * streams: then all of them become visible together, before anyone is told of any.
   */
  private drain(stream: StreamState): void {
    const queue = this.inFlight.get(stream);
    if (!queue) return;
    while (queue.length > 0 && queue[0]!.done) {
      const head = queue[0]!;
      if (!head.group) {
        queue.shift();
        reveal(stream, head.record);
        this.onVisible(stream, head.record);
        notifySettled(head);
        continue;
      }
      const group = head.group;
      if (!group.every(({ stream: other, op }) => this.inFlight.get(other)?.[0] === op)) return;
      for (const member of group) {
        this.inFlight.get(member.stream)!.shift();
        reveal(member.stream, member.op.record);
      }
      for (const member of group) this.onVisible(member.stream, member.op.record);
      for (const member of group) notifySettled(member.op);
      // The other streams may have records waiting behind this write.
      for (const member of group) if (member.stream !== stream) this.drain(member.stream);
    }
    if (queue.length === 0) this.settle(stream);
  }

  private rollBack(stream: StreamState, failed: InFlight): void {
    const queue = this.inFlight.get(stream);
    const index = queue ? queue.indexOf(failed) : -1;
    // Already undone when an earlier record of this stream failed.
    if (!queue || index === -1) return;
    for (let i = queue.length - 1; i >= index; i--) {
      undo(stream, queue[i]!);
      notifySettled(queue[i]!);
    }
    queue.length = index;
    if (queue.length === 0) this.settle(stream);
  }

  private settle(stream: StreamState): void {
    this.inFlight.delete(stream);
    stream.caughtUp();
    const waiters = this.idleWaiters.get(stream);
    if (!waiters) return;
    this.idleWaiters.delete(stream);
    for (const wake of waiters) wake();
  }
}

function notifySettled(op: InFlight): void {
  const waiters = op.settled;
  if (!waiters) return;
  op.settled = undefined;
  for (const wake of waiters) wake();
}

/** A durable record into the visible view. */
function reveal(stream: StreamState, record: AppendRecord): void {
  stream.tail = record.position + record.data.length;
  stream.nextSeq += record.messages;
  if (record.messages > 0 && record.ts > stream.lastTs) stream.lastTs = record.ts;
  if (record.close) stream.closed = true;
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
