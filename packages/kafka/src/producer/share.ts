/**
 * One partition's share of a produce request: the records a linger window gave that
 * partition, numbered (epoch, seq) as that partition's next idempotent batch
 * (docs/kafka-layer.md, "Idempotent produce, per partition"). It settles once: every record
 * learns where it landed, or the share's error.
 */
import type { KafkaError } from "../errors.js";
import { shareBoundaries } from "./record-offset.js";

/** What the produce endpoint answers for one record (and what each queued record learns). */
export interface RecordAnswer {
  partition: number;
  offset?: string | undefined;
  next_offset?: string | undefined;
  seq?: number | undefined;
  timestamp?: number | undefined;
  duplicate?: true;
  error?: { code: string; message: string };
}

/** What it answers for one partition's share with `Produce-Answer: partitions`. */
export interface ShareAnswer {
  partition: number;
  count: number;
  /** The share's first record. */
  offset?: string;
  /** After its last record. */
  next_offset?: string;
  /** Its first record's seq. */
  seq?: number;
  timestamp?: number;
  duplicate?: true;
  error?: { code: string; message: string };
}

/**
 * Where queued records' outcomes go: one per `send()`, or one for a whole `sendBatch()` (each
 * record by its index), so a batch costs one promise, not one per record.
 */
export interface AnswerSink {
  landed(index: number, answer: RecordAnswer): void;
  failed(index: number, error: Error): void;
}

export interface QueuedRecord {
  /** The record as the request body carries it: its envelope with its partition. */
  readonly wire: string;
  readonly bytes: number;
  readonly sink: AnswerSink;
  readonly index: number;
}

export class Share {
  readonly records: QueuedRecord[] = [];
  bytes = 0;
  epoch = 0;
  seq = 0;
  error: KafkaError | undefined;
  readonly settled: Promise<void>;
  #settle!: () => void;

  constructor(readonly partition: number) {
    this.settled = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  add(record: QueuedRecord): void {
    this.records.push(record);
    this.bytes += record.bytes;
  }

  succeed(answers: readonly RecordAnswer[]): void {
    for (const [i, record] of this.records.entries()) record.sink.landed(record.index, answers[i]!);
    this.#settle();
  }

  /**
   * Landed, as the share's answer says: each record's offsets follow from where the share
   * starts and the records' encoded sizes, its seq from the share's first.
   */
  landed(answer: ShareAnswer): void {
    const { partition, records } = this;
    if (answer.duplicate === true) {
      const duplicate: RecordAnswer = { partition, duplicate: true };
      for (const record of records) record.sink.landed(record.index, duplicate);
      this.#settle();
      return;
    }
    const whole = answer.count === records.length;
    const bounds = whole
      ? shareBoundaries(
          answer.offset,
          answer.next_offset,
          records.map((record) => record.bytes),
        )
      : undefined;
    const last = records.length - 1;
    for (let k = 0; k <= last; k++) {
      const record = records[k]!;
      record.sink.landed(record.index, {
        partition,
        offset: bounds ? bounds[k] : k === 0 ? answer.offset : undefined,
        next_offset: bounds ? bounds[k + 1] : k === last ? answer.next_offset : undefined,
        seq: whole && answer.seq !== undefined ? answer.seq + k : undefined,
        timestamp: answer.timestamp,
      });
    }
    this.#settle();
  }

  fail(error: KafkaError): void {
    this.error = error;
    for (const record of this.records) record.sink.failed(record.index, error);
    this.#settle();
  }
}

/** A partition's numbering: §5.2.1's epoch and next seq, per partition of the one producer id. */
export class PartitionSeqs {
  epoch = 0;
  nextSeq = 0;
  /** The epoch's first share is acknowledged: later shares may be in flight beside each other. */
  established = false;
  /** Shares numbered and not yet settled, oldest first. */
  readonly unsettled: Share[] = [];

  number(share: Share): void {
    share.epoch = this.epoch;
    share.seq = this.nextSeq++;
    this.unsettled.push(share);
  }

  /** A share of this epoch may go out now: pipelining only once the epoch's first share landed. */
  get mayAdd(): boolean {
    return this.established || this.unsettled.length === 0;
  }

  settled(share: Share): void {
    const at = this.unsettled.indexOf(share);
    if (at !== -1) this.unsettled.splice(at, 1);
    if (share.epoch !== this.epoch) return;
    if (share.error === undefined) this.established = true;
    else {
      // Later shares cannot be numbered after a lost one: a new epoch starts at seq 0.
      this.epoch++;
      this.nextSeq = 0;
      this.established = false;
    }
  }

  /** Shares of the same epoch numbered before this one and not settled yet. */
  earlier(share: Share): Share[] {
    return this.unsettled.filter((other) => other.epoch === share.epoch && other.seq < share.seq);
  }
}
