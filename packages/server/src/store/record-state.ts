/**
 * The one reducer for append records: what a record does to a stream's state (its tail,
 * closure, Stream-Seq and producer state, PROTOCOL §5.2.1 atomicity). The engine's decided
 * view, the file store's catalog and the memory store all apply records through it.
 */
import type { ProducerClaim, ProducerState } from "@rivulet/protocol";
import type { AppendRecord } from "./types.js";

export interface RecordTarget {
  tail: number;
  closed: boolean;
  lastStreamSeq: string | undefined;
  closedBy: ProducerClaim | undefined;
  /** The producer map, made on first use. */
  producerMap(): Map<string, ProducerState>;
}

export function applyRecord(target: RecordTarget, record: AppendRecord): void {
  target.tail = record.position + record.data.length;
  if (record.producer) {
    target.producerMap().set(record.producer.id, { epoch: record.producer.epoch, lastSeq: record.producer.seq });
  }
  if (record.streamSeq !== undefined) target.lastStreamSeq = record.streamSeq;
  if (record.close) {
    target.closed = true;
    target.closedBy = record.producer;
  }
}
