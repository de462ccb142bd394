/**
 * One partition this member consumes: the records fetched and not yet handed out, the
 * records handed out and not yet finished, and which position may be committed. Commits only
 * ever cover finished records: the completion tracker gives the newest next offset with
 * every record before it finished (the lowest contiguous completed position), however the
 * records finish.
 */
import { CompletionTracker } from "@rivulet/client/consumer";
import type { DeliveredRecord } from "./record.js";

export class PartitionState {
  readonly key: string;
  readonly buffer: DeliveredRecord[] = [];
  paused = false;
  /** Taken away: nothing more is handed out; finished records may still be committed until released. */
  revoking = false;
  /** Released (or lost): nothing of it may be committed any more. */
  gone = false;
  /** The offset committed in the group (as the assignment said, then as this member committed). */
  committed: string | undefined;
  /** A record that could not be made (its deserializer failed): the consumer fails when it reaches it. */
  poison: Error | undefined;
  /** A finished position not yet committed. */
  toCommit: string | undefined;

  readonly #tracker = new CompletionTracker<string>();
  /** Records handed out that the application still works on. */
  #inProgress = 0;
  #whenIdle: (() => void)[] = [];
  #whenRoom: (() => void)[] = [];
  /** Who waits for records handed out earlier to finish. */
  #whenFinished: (() => void)[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly generation: number,
    committed: string | undefined,
    private readonly maxBuffered: number,
  ) {
    this.key = `${topic}/${partition}`;
    this.committed = committed;
  }

  /** Can hand out a record now. */
  get ready(): boolean {
    return !this.paused && !this.revoking && !this.gone && this.buffer.length > 0;
  }

  get inProgress(): number {
    return this.#inProgress;
  }

  /** Takes the next fetched record and counts it as handed out. */
  handOut(): DeliveredRecord {
    const record = this.buffer.shift()!;
    record.item = this.#tracker.add(1);
    this.#tracker.mark(record.nextOffset);
    this.#inProgress += 1;
    if (this.buffer.length < this.maxBuffered) wake(this.#whenRoom);
    return record;
  }

  /** The application is done with a handed-out record (whether or not it may be committed). */
  release(): void {
    this.#inProgress -= 1;
    if (this.#inProgress === 0) wake(this.#whenIdle);
  }

  /** The record may be committed: the position after it counts once everything before it is finished too. */
  finish(record: DeliveredRecord): void {
    if (record.item === undefined) return;
    this.#tracker.finish(record.item);
    wake(this.#whenFinished);
    const position = this.#tracker.take();
    if (position !== undefined) this.toCommit = position;
  }

  /** Resolves once every record handed out before `record` is finished (or the partition is gone). */
  async finishedBefore(record: DeliveredRecord): Promise<void> {
    const item = record.item ?? 0;
    while (!this.gone && this.#tracker.lowestUnfinished < item) {
      await new Promise<void>((resolve) => this.#whenFinished.push(resolve));
    }
  }

  /** Resolves when no handed-out record is in progress. */
  idle(): Promise<void> {
    if (this.#inProgress === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenIdle.push(resolve));
  }

  /** Resolves when the buffer has room for another fetch (or the partition is gone). */
  room(): Promise<void> {
    if (this.buffer.length < this.maxBuffered || this.gone) return Promise.resolve();
    return new Promise((resolve) => this.#whenRoom.push(resolve));
  }

  /** Drops what was fetched and not handed out, and wakes whoever waits on it. */
  drop(): void {
    this.buffer.length = 0;
    wake(this.#whenRoom);
  }

  /** Lost: no waiting for records in progress any more. */
  abandon(): void {
    this.gone = true;
    this.drop();
    wake(this.#whenIdle);
    wake(this.#whenFinished);
  }
}

/** Resolves and forgets every waiter. Checked first: it runs per record, and splice(0) makes an array each time. */
function wake(waiters: (() => void)[]): void {
  if (waiters.length === 0) return;
  for (const resolve of waiters.splice(0)) resolve();
}
