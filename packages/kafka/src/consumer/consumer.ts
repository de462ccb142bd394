/**
 * `kafka.consumer(topic | topics, { group, … })`: a member of a consumer group that fetches
 * the partitions the server assigns it and hands their records out one at a time —
 * `for await (const record of consumer)` — committing only records whose processing finished.
 * `process()` (process.ts) runs handlers concurrently on the same machinery.
 */
import { KafkaError, RebalanceInProgressError } from "../errors.js";
import type { KafkaHttp } from "../http.js";
import type { KafkaEvents } from "../observability/events.js";
import { Assignment, type AssignmentHost, topicPartition } from "./assignment.js";
import { Committer } from "./committer.js";
import { DeadLetters } from "./dead-letter.js";
import { Membership, type MembershipListener } from "./membership.js";
import { OperatorSource } from "./operators.js";
import type { ConsumerEvent, ResolvedConsumerOptions, TopicPartition } from "./options.js";
import type { PartitionState } from "./partition.js";
import {
  type DeadLetterSink,
  type ProcessOptions,
  type ProcessSource,
  processRecords,
  type RecordHandler,
} from "./process.js";
import type { ConsumerRecord, DeliveredRecord } from "./record.js";

export const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose ??
  (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);

type State = "new" | "running" | "closing" | "closed";

export class Consumer<T = unknown> extends OperatorSource<ConsumerRecord<T>> implements ProcessSource<T> {
  readonly group: string;
  readonly #assignment: Assignment<T>;
  readonly #committer: Committer;
  #membership: Membership | undefined;
  #state: State = "new";
  #started: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #failure: KafkaError | undefined;
  #waiters: (() => void)[] = [];
  #current: DeliveredRecord | undefined;
  #turn = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly http: KafkaHttp,
    readonly topics: readonly string[],
    readonly options: ResolvedConsumerOptions<T>,
    private readonly events?: KafkaEvents,
  ) {
    super();
    this.group = options.group;
    this.#committer = new Committer(
      http,
      this.group,
      () => this.#membership,
      () => this.#assignment.partitions.values(),
      (offsets) => this.emit({ type: "consumer:commit", group: this.group, offsets }),
    );
    this.#assignment = new Assignment(this.#host());
    options.signal?.addEventListener("abort", () => void this.close().catch(() => {}), { once: true });
  }

  /** Checks the topics exist (TopicNotFoundError), joins the group and starts fetching. Iterating starts it too. */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    if (this.options.signal?.aborted) throw new KafkaError("ABORTED", "The consumer's signal was aborted");
    for (const topic of this.topics) {
      await this.http.call("GET", this.http.api(`topics/${encodeURIComponent(topic)}`), { retry: true });
    }
    // close() came while the topics were being checked: joining now would leave a member in
    // the group that nobody leaves with, and a process() or loop that never ends.
    if (this.#state !== "new") return;
    const membership = new Membership(this.http, { ...this.options, topics: [...this.topics] }, this.#listener());
    this.#membership = membership;
    this.#state = "running";
    await membership.start();
    if (this.options.autoCommit) {
      this.#timer = setInterval(() => void this.#commitInBackground(), this.options.autoCommitIntervalMs);
    }
  }

  protected async nextForLoop(): Promise<ConsumerRecord<T> | undefined> {
    const record = await this.poll();
    this.#current = record;
    return record;
  }

  /** The partitions assigned to this member now. */
  assignment(): TopicPartition[] {
    return [...this.#assignment.partitions.values()].filter((p) => !p.gone && !p.revoking).map(topicPartition);
  }

  /** Stops handing out (and, once its buffer is full, fetching) records of these partitions, including ones assigned later. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.#assignment.pausedKeys.add(`${topic}/${partition}`);
    for (const p of this.#assignment.partitions.values()) p.paused = this.#assignment.pausedKeys.has(p.key);
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.#assignment.pausedKeys.delete(`${topic}/${partition}`);
    for (const p of this.#assignment.partitions.values()) p.paused = this.#assignment.pausedKeys.has(p.key);
    this.#notify();
  }

  paused(): TopicPartition[] {
    return [...this.#assignment.pausedKeys].map((key) => {
      const at = key.lastIndexOf("/");
      return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
    });
  }

  /** Commits every finished record not yet committed. */
  commit(): Promise<void> {
    return this.#committer.flush();
  }

  /** The record in the loop's hands counts as handled (take() ends the loop after its last). */
  finishCurrent(): void {
    if (this.#current !== undefined) this.settle(this.#current, true);
    this.#current = undefined;
  }

  /**
   * What this member may commit now — its group, member id, epoch and the finished,
   * uncommitted offsets — for `tx.commitOffsets(consumer)` in `kafka.transaction(…)`, so the
   * records a transaction writes and the offsets it consumed are committed together.
   */
  transactionCommit(): {
    group: string;
    memberId: string;
    memberEpoch: number;
    offsets: { topic: string; partition: number; offset: string }[];
  } {
    const membership = this.#membership;
    if (membership?.memberId === undefined || membership.epoch <= 0) {
      throw new RebalanceInProgressError("NOT_A_MEMBER", `The consumer of ${this.group} has not joined the group`);
    }
    const offsets = [...this.#assignment.partitions.values()]
      .filter((p) => !p.gone && p.toCommit !== undefined && p.toCommit !== p.committed)
      .map((p) => ({ topic: p.topic, partition: p.partition, offset: p.toCommit! }));
    return { group: this.group, memberId: membership.memberId, memberEpoch: membership.epoch, offsets };
  }

  /** Handles records concurrently until the consumer closes; see ProcessOptions. */
  process(handler: RecordHandler<T>, options?: ProcessOptions): Promise<void> {
    return processRecords(this, handler, options);
  }

  /** Commits finished work, stops fetching and leaves the group (epoch -1), so its partitions move at once. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async [asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(): Promise<void> {
    this.#state = "closing";
    this.#notify();
    // A start under way either finishes joining (then this member leaves below) or, still
    // checking the topics, sees the closing state and never joins.
    await this.#started?.catch(() => {});
    // Leaving the loop (break, or a throw: the iterator cannot tell them apart) does not finish
    // the record in hand: it is delivered again, never committed unprocessed.
    if (this.#current !== undefined) this.settle(this.#current, false);
    this.#current = undefined;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    try {
      await this.#assignment.stopFetching();
      // Records still being handled (process()) finish first, so their commits go out before leaving.
      const owned = this.#assignment.live();
      await this.#assignment.settled(owned);
      if (this.#membership !== undefined && this.#failure === undefined && this.options.autoCommit) {
        await this.#committer.flush().catch((error: unknown) => this.#report(error));
      }
      // Commits already asked for (`commitAsync()`) go out while this is still a member.
      await this.#committer.drained();
      // Revoke before leaving: the application hears of it while the partitions are still its own.
      const released = owned.filter((p) => !p.gone).map(topicPartition);
      await this.#assignment.callback(this.options.onRevoked, released);
      if (released.length > 0)
        this.emit({ type: "consumer:revoked", group: this.group, partitions: released, lost: false });
      await this.#membership?.leave().catch((error: unknown) => this.#report(error));
    } finally {
      for (const p of this.#assignment.partitions.values()) p.abandon();
      this.#state = "closed";
    }
  }

  // ---- the machinery process(), batchConsumer() and operators build on ----

  /** The next record to hand out, in turn across partitions; undefined once the consumer closes. */
  async poll(): Promise<DeliveredRecord<T> | undefined> {
    if (this.#state === "new") await this.start();
    while (true) {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#state !== "running") return undefined;
      const record = this.#handOut();
      if (this.#failure !== undefined) throw this.#failure;
      if (record !== undefined) return record;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Records buffered and ready now (no waiting), at most `max`. */
  pollReady(max: number): DeliveredRecord<T>[] {
    const out: DeliveredRecord<T>[] = [];
    while (out.length < max && this.#state === "running") {
      const record = this.#handOut();
      if (record === undefined) break;
      out.push(record);
    }
    return out;
  }

  /** Resolves when records may be ready (or the consumer changed state), or after `ms`. */
  waitForRecords(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The application is done with `record`; `finished` lets commits cover it. Settling twice changes nothing. */
  settle(record: DeliveredRecord, finished: boolean): void {
    const partition = this.partitionOf(record);
    if (finished) partition?.finish(record);
    if (record.released) return;
    record.released = true;
    partition?.release();
  }

  /** The partition a record came from, while this member still owns it in the generation it was fetched in. */
  partitionOf(record: DeliveredRecord): PartitionState | undefined {
    const partition = this.#assignment.stateOf(record.topic, record.partition);
    return partition !== undefined && partition.generation === record.generation && !partition.gone
      ? partition
      : undefined;
  }

  /** Counts a record finished without releasing it (`batch.commit()` before the next batch). */
  finish(record: DeliveredRecord): void {
    this.partitionOf(record)?.finish(record);
  }

  flushCommits(): Promise<void> {
    return this.#committer.flush();
  }

  deadLetters(options: { topic: string; maxAttempts: number }): DeadLetterSink {
    return new DeadLetters(this, options);
  }

  get committer(): Committer {
    return this.#committer;
  }

  get membership(): Membership | undefined {
    return this.#membership;
  }

  /** Ends every iteration with `error` (process() uses it when a handler fails). */
  fail(error: KafkaError): void {
    this.#failure ??= error;
    this.#notify();
  }

  emit(event: ConsumerEvent): void {
    this.#publish(event);
    try {
      this.options.onEvent(event);
    } catch {
      // A hook's failure must not break consuming.
    }
  }

  async commitRecord(record: DeliveredRecord): Promise<void> {
    const partition = this.partitionOf(record);
    if (partition === undefined) {
      throw new RebalanceInProgressError(
        "PARTITION_REVOKED",
        `${record.topic}/${record.partition} was taken from this member before the record at ${record.offset} was committed`,
      );
    }
    partition.finish(record);
    await this.#committer.flush([partition]);
  }

  commitRecordAsync(record: DeliveredRecord): void {
    const partition = this.partitionOf(record);
    if (partition === undefined) return; // revoked: the next owner delivers it again
    partition.finish(record);
    void this.#committer.flush([partition]).catch((error: unknown) => this.#report(error));
  }

  // ---- internals ----

  /** Commits and rebalances also go to the SDK's hooks and diagnostics channels (`new Kafka({ onEvent })`). */
  #publish(event: ConsumerEvent): void {
    if (this.events === undefined) return;
    const { group } = event;
    if (event.type === "consumer:commit") this.events.emit({ type: "commit", group, offsets: event.offsets });
    if (event.type === "consumer:assigned") {
      this.events.emit({ type: "rebalance", group, assigned: event.partitions, revoked: [] });
    }
    if (event.type === "consumer:revoked") {
      this.events.emit({ type: "rebalance", group, assigned: [], revoked: event.partitions });
    }
  }

  #handOut(): DeliveredRecord<T> | undefined {
    const partitions = [...this.#assignment.partitions.values()];
    for (let i = 0; i < partitions.length; i++) {
      const partition = partitions[(this.#turn + i) % partitions.length]!;
      if (!partition.ready) {
        if (partition.poison !== undefined && partition.buffer.length === 0 && !partition.gone)
          this.fail(partition.poison as KafkaError);
        continue;
      }
      this.#turn = (this.#turn + i + 1) % partitions.length;
      return partition.handOut() as DeliveredRecord<T>;
    }
    return undefined;
  }

  #notify(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  async #commitInBackground(): Promise<void> {
    await this.#committer.flush().catch((error: unknown) => this.#report(error));
  }

  #report(error: unknown): void {
    const failure =
      error instanceof KafkaError ? error : new KafkaError("CONSUMER_FAILED", String(error), { cause: error });
    this.emit({ type: "consumer:error", group: this.group, error: failure });
  }

  #listener(): MembershipListener {
    return {
      owned: () => this.#assignment.owned(),
      reconcile: (assignment) => this.#assignment.reconcile(assignment),
      lost: async (code) => {
        this.emit({ type: "consumer:rejoin", group: this.group, code });
        await this.#assignment.revoke(this.#assignment.live(), true);
      },
      failed: (error) => this.fail(error),
    };
  }

  #host(): AssignmentHost<T> {
    const consumer = this;
    return {
      http: this.http,
      options: this.options,
      group: this.group,
      committer: this.#committer,
      get membership() {
        return consumer.#membership;
      },
      running: () => this.#state === "running",
      emit: (event) => this.emit(event),
      report: (error) => this.#report(error),
      fail: (error) => this.fail(error),
      notify: () => this.#notify(),
      commitRecord: (record) => this.commitRecord(record),
      commitRecordAsync: (record) => this.commitRecordAsync(record),
    };
  }
}
