/** `admin()` of `MockKafka`: topics and groups of the in-memory broker, in the SDK admin's shapes. */
import type { ListOptions, ResetOffset, ResetTo } from "../admin/admin.js";
import type { GroupDescription, GroupSummary } from "../admin/group-views.js";
import type { TopicConfig, TopicDescription, TopicSummary } from "../admin/topic-views.js";
import { GroupCoordinatorError, KafkaError } from "../errors.js";
import type { KafkaAdmin } from "../kafka-like.js";
import { invalid } from "../options.js";
import { checkTopicName } from "../topic-metadata.js";
import { type MockBroker, offsetOf, type StoredGroup, type StoredTopic, seqOf } from "./broker.js";

export class MockAdmin implements KafkaAdmin {
  constructor(private readonly broker: MockBroker) {}

  async createTopic(name: string, config: TopicConfig = {}): Promise<TopicDescription> {
    return describe(this.broker.createTopic(name, config));
  }

  async listTopics(_options: ListOptions = {}): Promise<TopicSummary[]> {
    return [...this.broker.topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map(summary);
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    return describe(this.broker.topic(name));
  }

  async alterTopic(name: string, changes: TopicConfig): Promise<TopicDescription> {
    const topic = this.broker.topic(name);
    const { partitions, ...rest } = changes;
    if (partitions !== undefined) {
      if (!Number.isInteger(partitions) || partitions < topic.partitions.length) {
        throw new KafkaError("INVALID_TOPIC_CONFIG", `Partitions of ${name} only grow (${topic.partitions.length})`, {
          status: 400,
        });
      }
      while (topic.partitions.length < partitions) topic.partitions.push([]);
      topic.config.partitions = partitions;
    }
    for (const [field, value] of Object.entries(rest)) {
      if (value === undefined) continue;
      const defaults: Record<string, unknown> = { deleteRetentionMs: 86_400_000, cleanupPolicy: "delete" };
      (topic.config as Record<string, unknown>)[field] = value === null ? (defaults[field] ?? null) : value;
    }
    topic.revision += 1;
    for (const group of this.broker.groups.values()) await this.broker.rebalance(group);
    return describe(topic);
  }

  async deleteTopic(name: string): Promise<void> {
    this.broker.deleteTopic(name);
  }

  async listGroups(_options: ListOptions = {}): Promise<GroupSummary[]> {
    return [...this.broker.groups.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map(groupSummary);
  }

  async describeGroup(id: string): Promise<GroupDescription> {
    const group = this.broker.group(checkGroup(id));
    const partitions = [...group.offsets.entries()]
      .map(([key, next]) => {
        const at = key.lastIndexOf("/");
        const topic = key.slice(0, at);
        const partition = Number(key.slice(at + 1));
        const tail = this.broker.topics.get(topic)?.partitions[partition]?.length ?? next;
        return {
          topic,
          partition,
          committedOffset: offsetOf(next),
          committedSeq: next,
          lag: Math.max(0, tail - next),
          nextOffset: offsetOf(tail),
        };
      })
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    return {
      ...groupSummary(group),
      members: [...group.members.values()].map((m) => {
        const assignment: Record<string, number[]> = {};
        for (const { topic, partition } of m.assignment) {
          assignment[topic] = [...(assignment[topic] ?? []), partition];
        }
        return {
          memberId: m.id,
          instanceId: m.instanceId ?? null,
          memberEpoch: m.epoch,
          state: "stable",
          topics: [...m.topics],
          assignment,
        };
      }),
      totalLag: partitions.reduce((sum, p) => sum + p.lag, 0),
      partitions,
    };
  }

  async deleteGroup(id: string): Promise<void> {
    const group = this.broker.group(checkGroup(id));
    refuseWhileActive(group);
    this.broker.groups.delete(id);
  }

  async resetOffsets(groupId: string, topicName: string, to: ResetTo): Promise<ResetOffset[]> {
    checkTopicName(topicName);
    const group = this.broker.group(checkGroup(groupId), true);
    refuseWhileActive(group);
    const topic = this.broker.topic(topicName);
    let targets: { topic: string; partition: number; seq: number }[];
    if (to === "earliest" || to === "latest" || to instanceof Date) {
      if (to instanceof Date && Number.isNaN(to.getTime())) throw invalid("to", "is an invalid Date");
      targets = topic.partitions.map((log, partition) => {
        let seq = to === "earliest" ? 0 : log.length;
        if (to instanceof Date) {
          const at = log.findIndex((r) => r.timestamp >= to.getTime());
          seq = at === -1 ? log.length : at;
        }
        return { topic: topicName, partition, seq };
      });
    } else if (Array.isArray(to)) {
      targets = to.map((o) => {
        if (!Number.isInteger(o?.partition) || typeof o.offset !== "string") {
          throw invalid("to", "offsets are { partition, offset }");
        }
        const name = o.topic ?? topicName;
        const log = this.broker.partition(name, o.partition);
        const seq = seqOf(o.offset);
        if (seq > log.length) {
          throw new KafkaError("INVALID_OFFSET", `${o.offset} is past the tail of ${name}/${o.partition}`, {
            status: 400,
          });
        }
        return { topic: name, partition: o.partition, seq };
      });
    } else throw invalid("to", `must be "earliest", "latest", a Date or offsets, got ${JSON.stringify(to)}`);
    for (const t of targets) group.offsets.set(`${t.topic}/${t.partition}`, t.seq);
    return targets.map((t) => ({ topic: t.topic, partition: t.partition, offset: offsetOf(t.seq), seq: t.seq }));
  }
}

function refuseWhileActive(group: StoredGroup): void {
  if (group.members.size > 0) {
    throw new GroupCoordinatorError("GROUP_NOT_EMPTY", `Group ${group.id} has ${group.members.size} member(s)`, {
      status: 409,
      details: { members: group.members.size },
    });
  }
}

function checkGroup(id: string): string {
  if (typeof id !== "string" || !/^[A-Za-z0-9._-]{1,249}$/.test(id)) {
    throw invalid("group", `must be 1-249 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(id)}`);
  }
  return id;
}

function summary(topic: StoredTopic): TopicSummary {
  return { name: topic.name, ...topic.config, createdAt: topic.createdAt, revision: topic.revision };
}

function describe(topic: StoredTopic): TopicDescription {
  return {
    ...summary(topic),
    partitionDetails: topic.partitions.map((log, partition) => ({
      partition,
      path: `/mock/topics/${topic.name}/${partition}`,
      earliestOffset: offsetOf(0),
      nextOffset: offsetOf(log.length),
      earliestSeq: 0,
      nextSeq: log.length,
      bytes: log.reduce((n, r) => n + JSON.stringify(r.value).length, 0),
    })),
  };
}

function groupSummary(group: StoredGroup): GroupSummary {
  return {
    id: group.id,
    state: group.members.size === 0 ? "empty" : "stable",
    memberCount: group.members.size,
    groupEpoch: group.epoch,
    assignor: "uniform",
  };
}
