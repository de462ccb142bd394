/**
 * The consumer of `MockKafka`: a member of an in-memory group with the SDK consumer's rules —
 * records handed out in turn across partitions, commits that only cover the lowest contiguous
 * finished position, finished work committed before a partition is given up and on close.
 * process() and batching are the SDK's own loops (they take this consumer through their seams).
 */
import { BatchConsumer, type BatchConsumerOptions, batchSettings } from "../consumer/batch-consumer.js";
import { asyncDispose } from "../consumer/consumer.js";
import type { DeadLetterOptions } from "../consumer/dead-letter.js";
import { OperatorSource } from "../consumer/operators.js";
import type { ResolvedConsumerOptions, TopicPartition } from "../consumer/options.js";
import { type DeadLetterSink, type ProcessOptions, processRecords, type RecordHandler } from "../consumer/process.js";
import type { ConsumerRecord, DeliveredRecord } from "../consumer/record.js";
import { KafkaError, RebalanceInProgressError } from "../errors.js";
import type { KafkaConsumer } from "../kafka-like.js";
import { type MockBroker, offsetOf, type StoredMember } from "./broker.js";

class OwnedPartition {
  /** The next seq to hand out. */
  position = 0;
  /** The lowest seq not finished: what a commit may store. */
  low = 0;
  committed: number | undefined;
  readonly finished = new Set<number>();
  paused = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly generation: number,
  ) {}

  finish(seq: number): void {
    if (seq < this.low) return;
    this.finished.add(seq);
    while (this.finished.delete(this.low)) this.low += 1;
  }
}

let members = 0;

export class MockConsumer<T = unknown> extends OperatorSource<ConsumerRecord<T>> implements KafkaConsumer<T> {
  readonly group: string;
  readonly #owned = new Map<string, OwnedPartition>();
  readonly #paused = new Set<string>();
  #member: StoredMember | undefined;
  #state: "new" | "running" | "closing" | "closed" = "new";
  #started: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #failure: KafkaError | undefined;
  #current: DeliveredRecord<T> | undefined;
  #turn = 0;
  #generation = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly broker: MockBroker,
    readonly topics: readonly string[],
    readonly options: ResolvedConsumerOptions<T>,
    private readonly deadLetterSink: (
      consumer: MockConsumer<T>,
      options: Required<DeadLetterOptions>,
    ) => DeadLetterSink,
  ) {
    super();
    this.group = options.group;
    options.signal?.addEventListener("abort", () => void this.close().catch(() => {}), { once: true });
  }

  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    if (this.options.signal?.aborted) throw new KafkaError("ABORTED", "The consumer's signal was aborted");
    for (const topic of this.topics) this.broker.topic(topic);
    members += 1;
    const member: StoredMember = {
      id: `mock-member-${members}`,
      instanceId: this.options.instanceId,
      topics: this.topics,
      epoch: 0,
      assignment: [],
      revoke: (partitions) => this.#revoke(partitions),
      assign: (partitions) => this.#assign(partitions),
    };
    this.#member = member;
    this.#state = "running";
    await this.broker.join(this.group, member);
    if (this.options.autoCommit) {
      this.#timer = setInterval(() => void this.commit().catch(() => {}), this.options.autoCommitIntervalMs);
    }
  }

  protected async nextForLoop(): Promise<ConsumerRecord<T> | undefined> {
    const record = await this.poll();
    this.#current = record;
    return record;
  }

  assignment(): TopicPartition[] {
    return [...this.#owned.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.#paused.add(`${topic}/${partition}`);
    for (const [key, owned] of this.#owned) owned.paused = this.#paused.has(key);
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.#paused.delete(`${topic}/${partition}`);
    for (const [key, owned] of this.#owned) owned.paused = this.#paused.has(key);
    this.broker.notify();
  }

  paused(): TopicPartition[] {
    return [...this.#paused].map((key) => {
      const at = key.lastIndexOf("/");
      return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
    });
  }

  /** Commits every finished record not yet committed. */
  async commit(): Promise<void> {
    this.#commit([...this.#owned.values()]);
  }

  process(handler: RecordHandler<T>, options?: ProcessOptions): Promise<void> {
    return processRecords(this, handler, options);
  }

  transactionCommit() {
    const member = this.#member;
    if (member === undefined || this.#state !== "running") {
      throw new RebalanceInProgressError("NOT_A_MEMBER", `The consumer of ${this.group} has not joined the group`);
    }
    const offsets = [...this.#owned.values()]
      .filter((p) => p.low !== p.committed && p.low > 0)
      .map((p) => ({ topic: p.topic, partition: p.partition, offset: offsetOf(p.low) }));
    return { group: this.group, memberId: member.id, memberEpoch: member.epoch, offsets };
  }

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
    this.broker.notify();
    if (wasRunning) await this.#started?.catch(() => {});
    // The record in hand at a break is not finished: it is delivered again.
    this.#current = undefined;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#member !== undefined) {
      // Finished work is committed and the partitions revoked while still a member, then it leaves.
      const owned = this.assignment();
      if (owned.length > 0) await this.#revoke(owned);
      this.#member.assignment = [];
      await this.broker.leave(this.group, this.#member.id);
    }
    this.#state = "closed";
  }

  // ---- what process(), batching and operators use ----

  finishCurrent(): void {
    if (this.#current !== undefined) this.settle(this.#current, true);
    this.#current = undefined;
  }

  async poll(): Promise<DeliveredRecord<T> | undefined> {
    if (this.#state === "new") await this.start();
    while (true) {
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#state !== "running") return undefined;
      const changed = this.broker.changed();
      const record = this.#handOut();
      if (record !== undefined) return record;
      await changed;
    }
  }

  pollReady(max: number): DeliveredRecord<T>[] {
    const out: DeliveredRecord<T>[] = [];
    while (out.length < max && this.#state === "running") {
      const record = this.#handOut();
      if (record === undefined) break;
      out.push(record);
    }
    return out;
  }

  waitForRecords(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      void this.broker.changed().then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  settle(record: DeliveredRecord, finished: boolean): void {
    if (finished) this.finish(record);
  }

  finish(record: DeliveredRecord): void {
    const owned = this.#owned.get(`${record.topic}/${record.partition}`);
    if (owned !== undefined && owned.generation === record.generation) owned.finish(record.seq);
  }

  async flushCommits(): Promise<void> {
    await this.commit();
  }

  deadLetters(options: Required<DeadLetterOptions>): DeadLetterSink {
    return this.deadLetterSink(this, options);
  }

  fail(error: KafkaError): void {
    this.#failure ??= error;
    this.broker.notify();
  }

  /** The dead-letter sink commits the record it dead-lettered with its send (one step in memory). */
  commitThrough(record: DeliveredRecord): void {
    const owned = this.#owned.get(`${record.topic}/${record.partition}`);
    if (owned === undefined || owned.generation !== record.generation) {
      throw new RebalanceInProgressError("PARTITION_REVOKED", `${record.topic}/${record.partition} was revoked`);
    }
    owned.finish(record.seq);
    this.#commit([owned]);
  }

  // ---- internals ----

  #commit(partitions: OwnedPartition[]): void {
    const group = this.broker.group(this.group, true);
    for (const p of partitions) {
      if (p.low > (p.committed ?? 0) || (p.committed === undefined && p.low > 0)) {
        group.offsets.set(`${p.topic}/${p.partition}`, p.low);
        p.committed = p.low;
      }
    }
  }

  #handOut(): DeliveredRecord<T> | undefined {
    const partitions = [...this.#owned.values()];
    for (let i = 0; i < partitions.length; i++) {
      const owned = partitions[(this.#turn + i) % partitions.length]!;
      const log = this.broker.topics.get(owned.topic)?.partitions[owned.partition];
      if (owned.paused || log === undefined || owned.position >= log.length) continue;
      this.#turn = (this.#turn + i + 1) % partitions.length;
      const stored = log[owned.position++]!;
      const context = { topic: owned.topic, partition: owned.partition, key: stored.key, headers: stored.headers };
      let value: T;
      try {
        value = this.options.deserialize(structuredClone(stored.value), context);
      } catch (error) {
        this.fail(error as KafkaError);
        return undefined;
      }
      const record: DeliveredRecord<T> = {
        topic: owned.topic,
        partition: owned.partition,
        offset: offsetOf(stored.seq),
        nextOffset: offsetOf(stored.seq + 1),
        seq: stored.seq,
        key: stored.key,
        value,
        timestamp: stored.timestamp,
        eventTime: stored.eventTime,
        headers: { ...stored.headers },
        rawValue: structuredClone(stored.value),
        item: undefined,
        generation: owned.generation,
        released: false,
        commit: async () => {
          this.finish(record);
          const current = this.#owned.get(`${record.topic}/${record.partition}`);
          if (current === undefined || current.generation !== record.generation) {
            throw new RebalanceInProgressError(
              "PARTITION_REVOKED",
              `${record.topic}/${record.partition} was taken from this member before the record at ${record.offset} was committed`,
            );
          }
          this.#commit([current]);
        },
        commitAsync: () => void record.commit().catch(() => {}),
      };
      return record;
    }
    return undefined;
  }

  async #revoke(partitions: TopicPartition[]): Promise<void> {
    const lost = partitions.map((p) => this.#owned.get(`${p.topic}/${p.partition}`)).filter((p) => p !== undefined);
    if (this.options.autoCommit && this.#failure === undefined) this.#commit(lost);
    await this.options.onRevoked?.(partitions);
    this.options.onEvent({ type: "consumer:revoked", group: this.group, partitions, lost: false });
    for (const p of partitions) this.#owned.delete(`${p.topic}/${p.partition}`);
  }

  async #assign(partitions: TopicPartition[]): Promise<void> {
    const group = this.broker.group(this.group, true);
    this.#generation += 1;
    for (const { topic, partition } of partitions) {
      const owned = new OwnedPartition(topic, partition, this.#generation);
      const committed = group.offsets.get(`${topic}/${partition}`);
      owned.committed = committed;
      owned.position = committed ?? this.#startOf(topic, partition);
      owned.low = owned.position;
      owned.paused = this.#paused.has(`${topic}/${partition}`);
      this.#owned.set(`${topic}/${partition}`, owned);
    }
    await this.options.onAssigned?.(partitions);
    this.options.onEvent({ type: "consumer:assigned", group: this.group, partitions });
  }

  #startOf(topic: string, partition: number): number {
    const log = this.broker.partition(topic, partition);
    const policy = this.options.offset;
    if (policy === "earliest") return 0;
    if (policy === "latest") return log.length;
    const at = log.findIndex((r) => r.timestamp >= policy.getTime());
    return at === -1 ? log.length : at;
  }
}

/** `kafka.batchConsumer(…)` on the mock: the SDK's batching over a mock consumer. */
export function mockBatchConsumer<T>(
  consumer: MockConsumer<T>,
  options: BatchConsumerOptions<T>,
): BatchConsumer<T, MockConsumer<T>> {
  return new BatchConsumer<T, MockConsumer<T>>(consumer, batchSettings(options as BatchConsumerOptions<unknown>));
}
