/**
 * The in-memory broker behind `MockKafka`: topics as arrays of records per partition, groups
 * with members, an assignment shared out evenly, and committed positions — the server's rules
 * (docs/kafka-layer.md) without HTTP, for applications' unit tests.
 */
import type { TopicConfig } from "../admin/topic-views.js";
import type { TopicPartition } from "../consumer/options.js";
import { GroupCoordinatorError, KafkaError, PartitionNotFoundError, TopicNotFoundError } from "../errors.js";
import { invalid } from "../options.js";
import { checkTopicName } from "../topic-metadata.js";

export interface StoredRecord {
  seq: number;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
  /** Append time. */
  timestamp: number;
  eventTime: number | undefined;
  /** Order of appends across every partition (getMessages() lists in it). */
  order: number;
}

export interface StoredTopic {
  name: string;
  config: Required<Omit<TopicConfig, "partitions">> & { partitions: number; deleteRetentionMs: number };
  createdAt: Date;
  revision: number;
  partitions: StoredRecord[][];
}

/** A member as the broker sees it; the consumer gives up and takes partitions through these calls. */
export interface StoredMember {
  readonly id: string;
  readonly instanceId: string | undefined;
  readonly topics: readonly string[];
  epoch: number;
  assignment: TopicPartition[];
  revoke(partitions: TopicPartition[]): Promise<void>;
  assign(partitions: TopicPartition[]): Promise<void>;
}

export interface StoredGroup {
  id: string;
  epoch: number;
  members: Map<string, StoredMember>;
  /** `topic/partition` → the next seq to process. */
  offsets: Map<string, number>;
  /** Rebalances run one after another. */
  queue: Promise<void>;
}

/** Offsets of the mock: the seq, zero-padded, so they compare as strings the way stream offsets do. */
export function offsetOf(seq: number): string {
  return String(seq).padStart(16, "0");
}

export function seqOf(offset: string): number {
  if (!/^\d{1,16}$/.test(offset)) throw invalid("offset", `is not an offset of this topic: ${JSON.stringify(offset)}`);
  return Number(offset);
}

export class MockBroker {
  readonly topics = new Map<string, StoredTopic>();
  readonly groups = new Map<string, StoredGroup>();
  #order = 0;
  #waiters: (() => void)[] = [];

  createTopic(name: string, config: TopicConfig = {}): StoredTopic {
    checkTopicName(name);
    const partitions = config.partitions ?? 1;
    if (!Number.isInteger(partitions) || partitions < 1) throw invalid("partitions", "must be a whole number ≥ 1");
    const wanted = {
      partitions,
      cleanupPolicy: config.cleanupPolicy ?? "delete",
      retentionMs: config.retentionMs ?? null,
      retentionBytes: config.retentionBytes ?? null,
      deleteRetentionMs: config.deleteRetentionMs ?? 86_400_000,
    };
    const existing = this.topics.get(name);
    if (existing !== undefined) {
      if (JSON.stringify(existing.config) === JSON.stringify(wanted)) return existing;
      throw new KafkaError("TOPIC_EXISTS", `Topic ${name} exists with another configuration`, { status: 409 });
    }
    const topic: StoredTopic = {
      name,
      config: wanted,
      createdAt: new Date(),
      revision: 1,
      partitions: Array.from({ length: partitions }, () => []),
    };
    this.topics.set(name, topic);
    return topic;
  }

  topic(name: string): StoredTopic {
    const topic = this.topics.get(checkTopicName(name));
    if (topic === undefined)
      throw new TopicNotFoundError("TOPIC_NOT_FOUND", `Topic ${name} does not exist`, { status: 404 });
    return topic;
  }

  partition(name: string, partition: number): StoredRecord[] {
    const topic = this.topic(name);
    const records = topic.partitions[partition];
    if (records === undefined) {
      throw new PartitionNotFoundError(
        "PARTITION_NOT_FOUND",
        `Topic ${name} has ${topic.partitions.length} partitions, not ${partition + 1}`,
        { status: 404 },
      );
    }
    return records;
  }

  /** Appends already-checked records (all of a transaction at once: nothing can fail in between). */
  append(
    entries: readonly { topic: string; partition: number; record: Omit<StoredRecord, "seq" | "order" | "timestamp"> }[],
  ): StoredRecord[] {
    for (const { topic, partition } of entries) this.partition(topic, partition);
    const now = Date.now();
    const stored = entries.map(({ topic, partition, record }) => {
      const log = this.partition(topic, partition);
      const entry: StoredRecord = { ...record, seq: log.length, order: this.#order++, timestamp: now };
      log.push(entry);
      return entry;
    });
    this.notify();
    return stored;
  }

  deleteTopic(name: string): void {
    this.topic(name);
    this.topics.delete(name);
    for (const group of this.groups.values()) {
      for (const key of [...group.offsets.keys()]) if (key.startsWith(`${name}/`)) group.offsets.delete(key);
    }
    this.notify();
  }

  group(id: string, create = false): StoredGroup {
    let group = this.groups.get(id);
    if (group === undefined) {
      if (!create) throw new GroupCoordinatorError("GROUP_NOT_FOUND", `Group ${id} does not exist`, { status: 404 });
      group = { id, epoch: 0, members: new Map(), offsets: new Map(), queue: Promise.resolve() };
      this.groups.set(id, group);
    }
    return group;
  }

  async join(groupId: string, member: StoredMember): Promise<void> {
    const group = this.group(groupId, true);
    group.members.set(member.id, member);
    await this.rebalance(group);
  }

  async leave(groupId: string, memberId: string): Promise<void> {
    const group = this.group(groupId, true);
    if (!group.members.delete(memberId)) return;
    await this.rebalance(group);
  }

  /** Shares the subscribed partitions out evenly; members give up partitions before others get them. */
  rebalance(group: StoredGroup): Promise<void> {
    group.queue = group.queue.then(async () => {
      group.epoch += 1;
      const members = [...group.members.values()].sort((a, b) => a.id.localeCompare(b.id));
      const next = new Map<string, TopicPartition[]>(members.map((m) => [m.id, []]));
      const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
      let turn = 0;
      for (const name of topics) {
        const topic = this.topics.get(name);
        if (topic === undefined) continue;
        const subscribers = members.filter((m) => m.topics.includes(name));
        for (let partition = 0; partition < topic.partitions.length; partition++) {
          const member = subscribers[turn++ % subscribers.length]!;
          next.get(member.id)!.push({ topic: name, partition });
        }
      }
      const key = (p: TopicPartition) => `${p.topic}/${p.partition}`;
      for (const member of members) {
        const kept = new Set(next.get(member.id)!.map(key));
        const lost = member.assignment.filter((p) => !kept.has(key(p)));
        if (lost.length > 0) await member.revoke(lost);
      }
      for (const member of members) {
        const had = new Set(member.assignment.map(key));
        const assignment = next.get(member.id)!;
        member.assignment = assignment;
        member.epoch = group.epoch;
        const gained = assignment.filter((p) => !had.has(key(p)));
        if (gained.length > 0) await member.assign(gained);
      }
      this.notify();
    });
    return group.queue;
  }

  /** Resolves at the next append, commit or membership change. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  notify(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
