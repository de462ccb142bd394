/**
 * `kafka.consumer(topic | topics, { group, … })`: a member of a consumer group that fetches
 * the partitions the server assigns it and hands their records out one at a time —
 * `for await (const record of consumer)` — committing only records whose processing finished.
 * `process()` (process.ts) runs handlers concurrently on the same machinery.
 */
import type { StartOffset } from "@rivulet/client";
import { KafkaError, RebalanceInProgressError } from "../errors.js";
import type { KafkaHttp } from "../http.js";
import { Committer } from "./committer.js";
import { PartitionFetcher } from "./fetcher.js";
import { type AssignedPartition, byTopic, Membership, type MembershipListener } from "./membership.js";
import type { ConsumerEvent, ResolvedConsumerOptions, TopicPartition } from "./options.js";
import { PartitionState } from "./partition.js";
import { type ConsumerRecord, type DeliveredRecord, makeRecord } from "./record.js";
import { latestOffset } from "./start.js";

export const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose ??
  (Symbol.for("Symbol.asyncDispose") as typeof Symbol.asyncDispose);

/** How long a revocation waits at most for records in progress before it releases the partition. */
const DEFAULT_REVOKE_WAIT_MS = 30_000;

type State = "new" | "running" | "closing" | "closed";

export class Consumer<T = unknown> implements AsyncIterable<ConsumerRecord<T>> {
  readonly group: string;
  readonly #partitions = new Map<string, PartitionState>();
  readonly #fetchers = new Map<PartitionState, PartitionFetcher>();
  readonly #pausedKeys = new Set<string>();
  readonly #released = new WeakSet<DeliveredRecord>();
  readonly #committer: Committer;
  #membership: Membership | undefined;
  #state: State = "new";
  #started: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #failure: KafkaError | undefined;
  #waiters: (() => void)[] = [];
  #current: DeliveredRecord | undefined;
  #generation = 0;
  #turn = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly http: KafkaHttp,
    readonly topics: readonly string[],
    readonly options: ResolvedConsumerOptions<T>,
  ) {
    this.group = options.group;
    this.#committer = new Committer(
      http,
      this.group,
      () => this.#membership,
      () => this.#partitions.values(),
      (offsets) => this.emit({ type: "consumer:commit", group: this.group, offsets }),
    );
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
    const membership = new Membership(this.http, { ...this.options, topics: [...this.topics] }, this.#listener());
    this.#membership = membership;
    this.#state = "running";
    await membership.start();
    if (this.options.autoCommit) {
      this.#timer = setInterval(() => void this.#commitInBackground(), this.options.autoCommitIntervalMs);
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerRecord<T>> {
    return {
      next: async () => {
        if (this.#current !== undefined) this.settle(this.#current, this.options.autoCommit);
        this.#current = undefined;
        const record = await this.poll();
        this.#current = record;
        return record === undefined ? { done: true, value: undefined } : { done: false, value: record };
      },
      // Breaking out of the loop closes the consumer.
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** The partitions assigned to this member now. */
  assignment(): TopicPartition[] {
    return [...this.#partitions.values()].filter((p) => !p.gone && !p.revoking).map(topicPartition);
  }

  /** Stops handing out (and, once its buffer is full, fetching) records of these partitions, including ones assigned later. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.#pausedKeys.add(`${topic}/${partition}`);
    for (const p of this.#partitions.values()) p.paused = this.#pausedKeys.has(p.key);
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.#pausedKeys.delete(`${topic}/${partition}`);
    for (const p of this.#partitions.values()) p.paused = this.#pausedKeys.has(p.key);
    this.#notify();
  }

  paused(): TopicPartition[] {
    return [...this.#pausedKeys].map((key) => {
      const at = key.lastIndexOf("/");
      return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
    });
  }

  /** Commits every finished record not yet committed. */
  commit(): Promise<void> {
    return this.#committer.flush();
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
    const wasRunning = this.#state !== "new";
    this.#state = "closing";
    this.#notify();
    if (wasRunning) await this.#started?.catch(() => {});
    // Leaving the loop (break, or a throw: the iterator cannot tell them apart) does not finish
    // the record in hand: it is delivered again, never committed unprocessed.
    if (this.#current !== undefined) this.settle(this.#current, false);
    this.#current = undefined;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    try {
      await Promise.all([...this.#fetchers.values()].map((fetcher) => fetcher.stop()));
      if (this.#membership !== undefined && this.#failure === undefined) {
        await this.#committer.flush().catch((error: unknown) => this.#report(error));
      }
      await this.#membership?.leave().catch((error: unknown) => this.#report(error));
    } finally {
      for (const p of this.#partitions.values()) p.abandon();
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
    if (this.#released.has(record)) return;
    this.#released.add(record);
    partition?.release();
  }

  /** The partition a record came from, while this member still owns it in the generation it was fetched in. */
  partitionOf(record: DeliveredRecord): PartitionState | undefined {
    const partition = this.#partitions.get(`${record.topic}/${record.partition}`);
    return partition !== undefined && partition.generation === record.generation && !partition.gone
      ? partition
      : undefined;
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
    this.partitionOf(record)?.finish(record);
    void this.#commitInBackground();
  }

  // ---- internals ----

  #handOut(): DeliveredRecord<T> | undefined {
    const partitions = [...this.#partitions.values()];
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
      owned: () => byTopic([...this.#partitions.values()].filter((p) => !p.gone)),
      reconcile: (assignment) => this.#reconcile(assignment),
      lost: async (code) => {
        this.emit({ type: "consumer:rejoin", group: this.group, code });
        await this.#revoke(
          [...this.#partitions.values()].filter((p) => !p.gone),
          true,
        );
      },
      failed: (error) => this.fail(error),
    };
  }

  async #reconcile(assignment: AssignedPartition[]): Promise<void> {
    if (this.#state !== "running") return;
    const wanted = new Set(assignment.map((a) => `${a.topic}/${a.partition}`));
    const revoked = [...this.#partitions.values()].filter((p) => !wanted.has(p.key) && !p.revoking && !p.gone);
    // Revocations run beside the heartbeat: they may wait for records in progress.
    if (revoked.length > 0) void this.#revoke(revoked, false);
    const added = assignment.filter((a) => !this.#partitions.has(`${a.topic}/${a.partition}`));
    if (added.length > 0) await this.#assign(added);
  }

  async #assign(added: AssignedPartition[]): Promise<void> {
    const generation = ++this.#generation;
    const starts = await Promise.all(added.map((a) => this.#startOffset(a)));
    const states = added.map((a) => {
      const state = new PartitionState(a.topic, a.partition, generation, a.committed, this.options.maxPollRecords);
      state.paused = this.#pausedKeys.has(state.key);
      this.#partitions.set(state.key, state);
      return state;
    });
    const partitions = added.map(topicPartition);
    await this.#callback(this.options.onAssigned, partitions);
    this.emit({ type: "consumer:assigned", group: this.group, partitions });
    states.forEach((state, i) => {
      if (this.#state === "running" && !state.gone) this.#fetch(state, added[i]!, starts[i]!);
    });
  }

  /** The committed offset; else the policy: earliest, a time, or the tail as it is now (so records appended after onAssigned are seen). */
  async #startOffset(assigned: AssignedPartition): Promise<StartOffset> {
    if (assigned.committed !== undefined) return assigned.committed;
    const policy = this.options.offset;
    if (policy === "earliest") return "earliest";
    if (policy instanceof Date) return { at: policy };
    return latestOffset(this.http, this.#urlOf(assigned));
  }

  #fetch(state: PartitionState, assigned: AssignedPartition, start: StartOffset): void {
    const fetcher = new PartitionFetcher({
      http: this.http,
      url: this.#urlOf(assigned),
      start,
      maxPollRecords: this.options.maxPollRecords,
      fetchMaxWaitMs: this.options.fetchMaxWaitMs,
      deliver: async (records) => {
        if (state.gone || state.revoking || state.poison !== undefined) return;
        try {
          for (const read of records) {
            state.buffer.push(
              makeRecord(state.topic, state.partition, state.generation, read, this.options.deserialize, {
                commit: (record) => this.commitRecord(record),
                commitAsync: (record) => this.commitRecordAsync(record),
              }),
            );
          }
        } catch (error) {
          // The records before it are handed out first; the consumer fails when it comes to this one.
          state.poison = error as Error;
        }
        this.#notify();
        await state.room();
      },
      onReset: (from, reason) =>
        this.emit({ type: "consumer:offset-reset", group: this.group, ...topicPartition(state), from, reason }),
      onError: (error) => {
        // A partition stream that disappeared (its topic deleted) moves on with the next assignment.
        if (error.code === "TOPIC_NOT_FOUND") this.#report(error);
        else this.fail(error);
      },
    });
    this.#fetchers.set(state, fetcher);
  }

  /**
   * Revoke before assign: stop fetching, wait (bounded) for records in progress, commit what
   * finished, tell the application, then release — the next heartbeat leaves the partitions
   * out of `owned`, and only then may another member get them. Lost partitions (fenced,
   * session over) are dropped at once without committing: another member may own them.
   */
  async #revoke(partitions: PartitionState[], lost: boolean): Promise<void> {
    if (partitions.length === 0) return;
    for (const p of partitions) {
      p.revoking = true;
      p.drop();
    }
    await Promise.all(partitions.map((p) => this.#stopFetching(p)));
    if (lost) for (const p of partitions) p.abandon();
    else {
      await waitAtMost(Promise.all(partitions.map((p) => p.idle())), this.#revokeWaitMs());
      await this.#committer.flush(partitions).catch((error: unknown) => this.#report(error));
    }
    await this.#callback(this.options.onRevoked, partitions.map(topicPartition));
    for (const p of partitions) {
      p.abandon();
      if (this.#partitions.get(p.key) === p) this.#partitions.delete(p.key);
    }
    this.emit({ type: "consumer:revoked", group: this.group, partitions: partitions.map(topicPartition), lost });
    this.#notify();
    this.#membership?.wake();
  }

  async #stopFetching(p: PartitionState): Promise<void> {
    const fetcher = this.#fetchers.get(p);
    this.#fetchers.delete(p);
    await fetcher?.stop();
  }

  #revokeWaitMs(): number {
    const timeout = this.options.rebalanceTimeoutMs;
    return timeout === undefined ? DEFAULT_REVOKE_WAIT_MS : Math.max(500, timeout - 5_000);
  }

  async #callback(
    fn: ((partitions: TopicPartition[]) => void | Promise<void>) | undefined,
    partitions: TopicPartition[],
  ) {
    if (fn === undefined || partitions.length === 0) return;
    try {
      await fn(partitions);
    } catch (error) {
      this.#report(error);
    }
  }

  #urlOf(assigned: AssignedPartition): string {
    return new URL(assigned.path, this.http.options.root).href;
  }
}

function topicPartition(p: TopicPartition): TopicPartition {
  return { topic: p.topic, partition: p.partition };
}

async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
