/**
 * The one reducer for append records: what a record does to a stream's state (its tail,
 * closure, Stream-Seq and producer state, PROTOCOL §5.2.1 atomicity, and the next seq and last
 * append time of the records extension). The engine's decided view, the file store's catalog
 * and the memory store all apply records through it.
 */
import type { ProducerClaim, ProducerState } from "@rivulet/protocol";
import type { AppendRecord, StoredStream, StreamMeta } from "./types.js";

export interface RecordTarget {
  tail: number;
  nextSeq: number;
  lastTs: number;
  closed: boolean;
  lastStreamSeq: string | undefined;
  closedBy: ProducerClaim | undefined;
  /** The producer map, made on first use. */
  producerMap(): Map<string, ProducerState>;
}

export function applyRecord(target: RecordTarget, record: AppendRecord): void {
  const seq = target.nextSeq;
  target.tail = record.position + record.data.length;
  target.nextSeq += record.messages;
  // Times are monotonic per stream: a record never takes the stream's time backwards.
  if (record.messages > 0 && record.ts > target.lastTs) target.lastTs = record.ts;
  if (record.producer) {
    // Where the write went, so a retry of it can be answered with what it was answered.
    const last = { end: target.tail, seq, ts: record.ts, messages: record.messages };
    target.producerMap().set(record.producer.id, { epoch: record.producer.epoch, lastSeq: record.producer.seq, last });
  }
  if (record.streamSeq !== undefined) target.lastStreamSeq = record.streamSeq;
  if (record.close) {
    target.closed = true;
    target.closedBy = record.producer;
  }
}

/** A store's stream state as a lookup answers it: a snapshot, so later appends do not change it. */
export function snapshot(
  state: RecordTarget & {
    readonly meta: StreamMeta;
    readonly earliest: number;
    readonly softDeleted: boolean;
    readonly producers: ReadonlyMap<string, ProducerState> | undefined;
  },
  forks: number,
): StoredStream {
  return {
    meta: state.meta,
    tail: state.tail,
    earliest: state.earliest,
    nextSeq: state.nextSeq,
    lastTs: state.lastTs,
    closed: state.closed,
    closedBy: state.closedBy,
    lastStreamSeq: state.lastStreamSeq,
    producers: new Map(state.producers),
    softDeleted: state.softDeleted,
    forks,
  };
}
