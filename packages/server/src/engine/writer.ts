/**
 * The append pipeline for one stream. Decisions are made synchronously in arrival order
 * against the decided view, then the record goes to the store; many records can be in flight
 * at once (the store group-commits them). Visible state advances only as records become
 * durable, in order. If the store rejects a record, that record and every later one in flight
 * are undone, newest first, restoring the decided view to what is durable.
 */
import type { ProducerClaim, ProducerState } from "@rivulet/protocol";
import type { AppendRecord, Store } from "../store/types.js";
import type { StreamState } from "./stream-state.js";

interface InFlight {
  readonly record: AppendRecord;
  done: boolean;
  // What the record overwrote in the decided view, to undo it.
  readonly prevTail: number;
  readonly prevClosed: boolean;
  readonly prevStreamSeq: string | undefined;
  readonly prevClosedBy: ProducerClaim | undefined;
  readonly prevProducer: ProducerState | undefined;
}

const inFlightByStream = new WeakMap<StreamState, InFlight[]>();

/** Applies `record` to the decided view and makes it durable; resolves once visible. */
export async function writeRecord(
  store: Store,
  stream: StreamState,
  record: AppendRecord,
  onVisible: (record: AppendRecord) => void,
): Promise<void> {
  const op: InFlight = {
    record,
    done: false,
    prevTail: stream.decidedTail,
    prevClosed: stream.decidedClosed,
    prevStreamSeq: stream.lastStreamSeq,
    prevClosedBy: stream.closedBy,
    prevProducer: record.producer ? stream.producerState(record.producer.id) : undefined,
  };
  let queue = inFlightByStream.get(stream);
  if (!queue) {
    queue = [];
    inFlightByStream.set(stream, queue);
  }
  queue.push(op);
  applyDecided(stream, record);

  try {
    await store.append(stream.path, record);
  } catch (error) {
    rollBack(stream, op);
    throw error;
  }
  op.done = true;
  // Records become visible strictly in order, whatever order the store resolves them in.
  while (queue.length > 0 && queue[0]!.done) {
    const head = queue.shift()!;
    stream.tail = head.record.position + head.record.data.length;
    if (head.record.close) stream.closed = true;
    onVisible(head.record);
  }
  if (queue.length === 0) inFlightByStream.delete(stream);
}

function applyDecided(stream: StreamState, record: AppendRecord): void {
  stream.decidedTail = record.position + record.data.length;
  if (record.streamSeq !== undefined) stream.lastStreamSeq = record.streamSeq;
  if (record.producer) {
    stream.producerMap().set(record.producer.id, { epoch: record.producer.epoch, lastSeq: record.producer.seq });
  }
  if (record.close) {
    stream.decidedClosed = true;
    stream.closedBy = record.producer;
  }
}

function rollBack(stream: StreamState, failed: InFlight): void {
  const queue = inFlightByStream.get(stream);
  const index = queue ? queue.indexOf(failed) : -1;
  // Already undone when an earlier record of this stream failed.
  if (!queue || index === -1) return;
  for (let i = queue.length - 1; i >= index; i--) undo(stream, queue[i]!);
  queue.length = index;
  if (queue.length === 0) inFlightByStream.delete(stream);
}

function undo(stream: StreamState, op: InFlight): void {
  stream.decidedTail = op.prevTail;
  stream.decidedClosed = op.prevClosed;
  stream.lastStreamSeq = op.prevStreamSeq;
  stream.closedBy = op.prevClosedBy;
  const producer = op.record.producer;
  if (producer) {
    if (op.prevProducer) stream.producers?.set(producer.id, op.prevProducer);
    else stream.producers?.delete(producer.id);
  }
}
