/**
 * The partitions a member owns and how they change: what a heartbeat's answer assigns is
 * started (start offset settled, `onAssigned`, then fetched), what it takes away is revoked
 * before anything else may have it (stop fetching, wait for records in progress, commit what
 * finished, `onRevoked`, release), and everything is dropped at once when the member is
 * fenced. The consumer hands out records from these partitions; this file never does.
 */
import type { StartOffset } from "@rivulet/client";
import type { KafkaError } from "../errors.js";
import type { KafkaHttp } from "../http.js";
import type { Committer } from "./committer.js";
import { PartitionFetcher } from "./fetcher.js";
import { type AssignedPartition, byTopic, type Membership } from "./membership.js";
import type { ConsumerEvent, ResolvedConsumerOptions, TopicPartition } from "./options.js";
import { PartitionState } from "./partition.js";
import { type DeliveredRecord, makeRecord } from "./record.js";
import { latestOffset } from "./start.js";

/** How long a revocation waits at most for records in progress before it releases the partition. */
const DEFAULT_REVOKE_WAIT_MS = 30_000;

/** What the assignment needs of its consumer. */
export interface AssignmentHost<T> {
  readonly http: KafkaHttp;
  readonly options: ResolvedConsumerOptions<T>;
  readonly group: string;
  readonly committer: Committer;
  readonly membership: Membership | undefined;
  running(): boolean;
  emit(event: ConsumerEvent): void;
  report(error: unknown): void;
  fail(error: KafkaError): void;
  /** Records or partitions changed: wake whoever waits for a record. */
  notify(): void;
  commitRecord(record: DeliveredRecord): Promise<void>;
  commitRecordAsync(record: DeliveredRecord): void;
}

export class Assignment<T> {
  readonly partitions = new Map<string, PartitionState>();
  readonly pausedKeys = new Set<string>();
  readonly #fetchers = new Map<PartitionState, PartitionFetcher>();
  /** The same partitions by topic, then partition number: looked up once per record, without building a key. */
  readonly #byTopic = new Map<string, Map<number, PartitionState>>();
  #generation = 0;

  constructor(private readonly host: AssignmentHost<T>) {}

  /** The partitions consumed now, as a heartbeat reports them. */
  owned(): Record<string, number[]> {
    return byTopic(this.live());
  }

  /** The partition's state while it is in the assignment (revoking or not). */
  stateOf(topic: string, partition: number): PartitionState | undefined {
    return this.#byTopic.get(topic)?.get(partition);
  }

  /** Partitions not yet released or lost. */
  live(): PartitionState[] {
    return [...this.partitions.values()].filter((p) => !p.gone);
  }

  /** The server's answer: revoke what it no longer lists (beside the heartbeat), start what is new. */
  async reconcile(assignment: AssignedPartition[]): Promise<void> {
    if (!this.host.running()) return;
    const wanted = new Set(assignment.map((a) => `${a.topic}/${a.partition}`));
    const revoked = this.live().filter((p) => !wanted.has(p.key) && !p.revoking);
    // Revocations may wait for records in progress: heartbeats go on meanwhile.
    if (revoked.length > 0) void this.revoke(revoked, false);
    const added = assignment.filter((a) => !this.partitions.has(`${a.topic}/${a.partition}`));
    if (added.length > 0) await this.#assign(added);
  }

  /**
   * Revoke before assign: stop fetching, wait (bounded) for records in progress, commit what
   * finished, tell the application, then release — the next heartbeat leaves the partitions
   * out of `owned`, and only then may another member get them. Lost partitions (fenced,
   * session over) are dropped at once without committing: another member may own them.
   */
  async revoke(partitions: PartitionState[], lost: boolean): Promise<void> {
    if (partitions.length === 0) return;
    for (const p of partitions) {
      p.revoking = true;
      p.drop();
    }
    await Promise.all(partitions.map((p) => this.#stopFetching(p)));
    if (lost) for (const p of partitions) p.abandon();
    else {
      await this.settled(partitions);
      if (this.host.options.autoCommit) {
        await this.host.committer.flush(partitions).catch((error: unknown) => this.host.report(error));
      }
    }
    await this.callback(this.host.options.onRevoked, partitions.map(topicPartition));
    for (const p of partitions) {
      p.abandon();
      if (this.partitions.get(p.key) === p) {
        this.partitions.delete(p.key);
        this.#byTopic.get(p.topic)?.delete(p.partition);
      }
    }
    const { group } = this.host;
    this.host.emit({ type: "consumer:revoked", group, partitions: partitions.map(topicPartition), lost });
    this.host.notify();
    this.host.membership?.wake();
  }

  /** Stops every fetch (closing). */
  async stopFetching(): Promise<void> {
    await Promise.all([...this.#fetchers.keys()].map((p) => this.#stopFetching(p)));
  }

  /** Resolves when no record of these partitions is in progress, or the rebalance timeout is near. */
  async settled(partitions: readonly PartitionState[]): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#revokeWaitMs());
    });
    await Promise.race([Promise.all(partitions.map((p) => p.idle())), timeout]);
    clearTimeout(timer);
  }

  /** Runs a rebalance callback; its failure is reported, never thrown into the rebalance. */
  async callback(
    fn: ((partitions: TopicPartition[]) => void | Promise<void>) | undefined,
    partitions: TopicPartition[],
  ) {
    if (fn === undefined || partitions.length === 0) return;
    try {
      await fn(partitions);
    } catch (error) {
      this.host.report(error);
    }
  }

  async #assign(added: AssignedPartition[]): Promise<void> {
    const generation = ++this.#generation;
    const starts = await Promise.all(added.map((a) => this.#startOffset(a)));
    const states = added.map((a) => {
      const state = new PartitionState(a.topic, a.partition, generation, a.committed, this.host.options.maxPollRecords);
      state.paused = this.pausedKeys.has(state.key);
      this.partitions.set(state.key, state);
      const topic = this.#byTopic.get(state.topic) ?? new Map<number, PartitionState>();
      this.#byTopic.set(state.topic, topic.set(state.partition, state));
      return state;
    });
    const partitions = added.map(topicPartition);
    await this.callback(this.host.options.onAssigned, partitions);
    this.host.emit({ type: "consumer:assigned", group: this.host.group, partitions });
    states.forEach((state, i) => {
      if (this.host.running() && !state.gone) this.#fetch(state, added[i]!, starts[i]!);
    });
  }

  /** The committed offset; else the policy: earliest, a time, or the tail as it is now (so records appended after onAssigned are seen). */
  async #startOffset(assigned: AssignedPartition): Promise<StartOffset> {
    if (assigned.committed !== undefined) return assigned.committed;
    const policy = this.host.options.offset;
    if (policy === "earliest") return "earliest";
    if (policy instanceof Date) return { at: policy };
    return latestOffset(this.host.http, this.#urlOf(assigned));
  }

  #fetch(state: PartitionState, assigned: AssignedPartition, start: StartOffset): void {
    const { host } = this;
    const owner = {
      commit: (record: DeliveredRecord) => host.commitRecord(record),
      commitAsync: (record: DeliveredRecord) => host.commitRecordAsync(record),
    };
    const fetcher = new PartitionFetcher({
      http: host.http,
      url: this.#urlOf(assigned),
      start,
      maxPollRecords: host.options.maxPollRecords,
      fetchMaxWaitMs: host.options.fetchMaxWaitMs,
      deliver: async (records) => {
        if (state.gone || state.revoking || state.poison !== undefined) return;
        try {
          for (const read of records) {
            const { topic, partition, generation } = state;
            state.buffer.push(makeRecord(topic, partition, generation, read, host.options.deserialize, owner));
          }
        } catch (error) {
          // The records before it are handed out first; the consumer fails when it comes to this one.
          state.poison = error as Error;
        }
        host.notify();
        await state.room();
      },
      onReset: (from, reason) =>
        host.emit({ type: "consumer:offset-reset", group: host.group, ...topicPartition(state), from, reason }),
      onError: (error) => {
        // A partition stream that disappeared (its topic deleted) moves on with the next assignment.
        if (error.code === "TOPIC_NOT_FOUND") host.report(error);
        else host.fail(error);
      },
    });
    this.#fetchers.set(state, fetcher);
  }

  async #stopFetching(p: PartitionState): Promise<void> {
    const fetcher = this.#fetchers.get(p);
    this.#fetchers.delete(p);
    await fetcher?.stop();
  }

  #revokeWaitMs(): number {
    const timeout = this.host.options.rebalanceTimeoutMs;
    return timeout === undefined ? DEFAULT_REVOKE_WAIT_MS : Math.max(500, timeout - 5_000);
  }

  #urlOf(assigned: AssignedPartition): string {
    return new URL(assigned.path, this.host.http.options.root).href;
  }
}

export function topicPartition(p: TopicPartition): TopicPartition {
  return { topic: p.topic, partition: p.partition };
}
