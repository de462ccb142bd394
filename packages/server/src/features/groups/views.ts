/** The JSON shapes of groups, members, assignments and offsets in replies (docs/kafka-layer.md). */
import {
  type Committed,
  type Group,
  groupState,
  type Member,
  memberState,
  type PartitionKey,
  splitKey,
} from "./coordinator/model.js";
import type { HeartbeatResult } from "./coordinator/requests.js";
import type { GroupLag, PartitionLag } from "./runtime/lag.js";
import type { ResolvedGroupSettings } from "./settings.js";
import type { TopicDirectory } from "./sources/types.js";

/** `{"orders": [0, 2]}`, topics and partitions in order. */
export function partitionMap(keys: Iterable<PartitionKey>): Record<string, number[]> {
  const map: Record<string, number[]> = {};
  const sorted = [...keys]
    .map(splitKey)
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  for (const { topic, partition } of sorted) {
    const list = map[topic];
    if (list) list.push(partition);
    else map[topic] = [partition];
  }
  return map;
}

export function committedView(committed: Committed | undefined) {
  if (!committed) return null;
  return {
    offset: committed.offset,
    seq: committed.seq,
    metadata: committed.metadata,
    committed_at: new Date(committed.at).toISOString(),
  };
}

export function heartbeatView(
  result: HeartbeatResult,
  group: Group | undefined,
  directory: TopicDirectory,
  settings: ResolvedGroupSettings,
) {
  const assignment: Record<
    string,
    Array<{ partition: number; path: string; committed: ReturnType<typeof committedView> }>
  > = {};
  for (const [topic, partitions] of Object.entries(partitionMap(result.assignment))) {
    assignment[topic] = partitions.map((partition) => ({
      partition,
      path: directory.partitionPath(topic, partition),
      committed: committedView(group?.offsets.get(`${topic}\u0000${partition}`)),
    }));
  }
  return {
    member_id: result.memberId,
    member_epoch: result.memberEpoch,
    group_epoch: result.groupEpoch,
    heartbeat_interval_ms: settings.heartbeatIntervalMs,
    session_timeout_ms: settings.sessionTimeoutMs,
    assignment,
    pending: partitionMap(result.pending),
  };
}

export function summaryView(group: Group) {
  return {
    group: group.id,
    state: groupState(group),
    member_count: group.members.size,
    group_epoch: group.epoch,
    assignor: group.assignor,
  };
}

export function memberView(group: Group, member: Member) {
  return {
    member_id: member.id,
    instance_id: member.instanceId,
    member_epoch: member.epoch,
    state: memberState(group, member),
    topics: member.topics,
    assignment: partitionMap(member.assigned.keys()),
    revoking: partitionMap(member.revoking.keys()),
    target: partitionMap(group.target.get(member.id) ?? []),
    rebalance_timeout_ms: member.rebalanceTimeoutMs,
  };
}

export function describeView(group: Group, lag: GroupLag) {
  const members = [...group.members.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    ...summaryView(group),
    created_at: new Date(group.createdAt).toISOString(),
    topics: Object.fromEntries(group.topicPartitions),
    members: members.map((member) => memberView(group, member)),
    lag: { messages: lag.messages, bytes: lag.bytes },
  };
}

export function offsetView(lag: PartitionLag) {
  return {
    topic: lag.topic,
    partition: lag.partition,
    committed: committedView(lag.committed),
    next_offset: lag.state?.next.offset ?? null,
    next_seq: lag.state?.next.seq ?? null,
    earliest_offset: lag.state?.earliest.offset ?? null,
    lag: { messages: lag.messages, bytes: lag.bytes },
  };
}
