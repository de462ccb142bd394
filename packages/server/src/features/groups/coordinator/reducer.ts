/**
 * What each record does to the groups: the one reducer, used when a change is decided and
 * when the state log is replayed. Pure. Members a record creates start with no session
 * (the coordinator gives them one); a member a record changes keeps its session.
 */
import { type Group, type Member, type PartitionKey, partitionKey, splitKey } from "./model.js";
import type { GroupEntry, GroupRecord, HeldEntry, MemberEntry, OffsetEntry, TargetRecord } from "./records.js";

export type Groups = Map<string, Group>;

export function applyRecord(groups: Groups, record: GroupRecord): void {
  if (record.t === "snap") {
    groups.set(record.g, fromEntry(record));
    return;
  }
  if (record.t === "group") {
    if (!groups.has(record.g)) groups.set(record.g, emptyGroup(record.g, record.at, record.assignor));
    return;
  }
  const group = groups.get(record.g);
  if (!group) return;
  switch (record.t) {
    case "member":
      putMember(group, record.m);
      return;
    case "gone":
      removeMember(group, record.m);
      return;
    case "target":
      applyTarget(group, record);
      return;
    case "commit":
    case "reset":
      for (const entry of record.o) applyOffset(group, entry, record.t === "reset");
      return;
    case "delete":
      groups.delete(record.g);
      return;
  }
}

export function emptyGroup(id: string, at: number, assignor: string): Group {
  return {
    id,
    createdAt: at,
    assignor: assignor === "range" ? "range" : "uniform",
    epoch: 0,
    topicPartitions: new Map(),
    target: new Map(),
    members: new Map(),
    owners: new Map(),
    offsets: new Map(),
  };
}

/** A member changed in place (callers hold it), or created without a session. */
function putMember(group: Group, entry: MemberEntry): void {
  const durable = {
    instanceId: entry.inst,
    epoch: entry.epoch,
    previousEpoch: entry.prev,
    topics: entry.topics,
    rebalanceTimeoutMs: entry.rto,
    assigned: held(entry.assigned),
    revoking: held(entry.revoking),
    left: entry.left,
  };
  let member = group.members.get(entry.id);
  if (member) {
    releaseOwnership(group, member);
    Object.assign(member, durable);
  } else {
    member = {
      id: entry.id,
      ...durable,
      deadline: Number.POSITIVE_INFINITY,
      revokeDeadline: null,
      fenced: false,
      owned: null,
    };
    group.members.set(member.id, member);
  }
  for (const key of member.assigned.keys()) group.owners.set(key, member.id);
  for (const key of member.revoking.keys()) group.owners.set(key, member.id);
}

function removeMember(group: Group, id: string): void {
  const member = group.members.get(id);
  if (!member) return;
  releaseOwnership(group, member);
  group.members.delete(id);
}

function releaseOwnership(group: Group, member: Member): void {
  for (const key of [...member.assigned.keys(), ...member.revoking.keys()]) {
    if (group.owners.get(key) === member.id) group.owners.delete(key);
  }
}

function applyTarget(group: Group, record: TargetRecord): void {
  group.epoch = Math.max(group.epoch, record.epoch);
  group.assignor = record.assignor === "range" ? "range" : "uniform";
  group.topicPartitions = new Map(record.topics);
  group.target = new Map();
  for (const [member, topics] of record.members) {
    const keys = new Set<PartitionKey>();
    for (const [topic, partitions] of topics)
      for (const partition of partitions) keys.add(partitionKey(topic, partition));
    group.target.set(member, keys);
  }
}

/** Commits never move an offset back; resets may. */
function applyOffset(group: Group, entry: OffsetEntry, reset: boolean): void {
  const [topic, partition, offset, seq, metadata, at] = entry;
  const key = partitionKey(topic, partition);
  const current = group.offsets.get(key);
  if (!reset && current !== undefined && offset < current.offset) return;
  group.offsets.set(key, { offset, seq, metadata, at });
}

function held(entries: readonly HeldEntry[]): Map<PartitionKey, number> {
  return new Map(entries.map(([topic, partition, epoch]) => [partitionKey(topic, partition), epoch]));
}

export function heldEntries(map: ReadonlyMap<PartitionKey, number>): HeldEntry[] {
  return [...map].map(([key, epoch]) => {
    const { topic, partition } = splitKey(key);
    return [topic, partition, epoch] as const;
  });
}

export function memberEntry(member: Member): MemberEntry {
  return {
    id: member.id,
    inst: member.instanceId,
    epoch: member.epoch,
    prev: member.previousEpoch,
    topics: member.topics,
    rto: member.rebalanceTimeoutMs,
    left: member.left,
    assigned: heldEntries(member.assigned),
    revoking: heldEntries(member.revoking),
  };
}

export function targetRecord(
  epoch: number,
  assignor: string,
  topics: ReadonlyMap<string, number>,
  target: ReadonlyMap<string, ReadonlySet<PartitionKey>>,
): TargetRecord {
  const members = [...target].map(([member, keys]) => {
    const byTopic = new Map<string, number[]>();
    for (const key of keys) {
      const { topic, partition } = splitKey(key);
      const list = byTopic.get(topic) ?? [];
      if (list.length === 0) byTopic.set(topic, list);
      list.push(partition);
    }
    for (const list of byTopic.values()) list.sort((a, b) => a - b);
    return [member, [...byTopic]] as const;
  });
  return { epoch, assignor, topics: [...topics], members };
}

function offsetEntries(group: Group): OffsetEntry[] {
  return [...group.offsets].map(([key, c]) => {
    const { topic, partition } = splitKey(key);
    return [topic, partition, c.offset, c.seq, c.metadata, c.at] as const;
  });
}

/** The snapshot entry that rebuilds `group` (state log compaction). */
export function toEntry(group: Group): GroupRecord {
  return {
    t: "snap",
    g: group.id,
    at: group.createdAt,
    target: targetRecord(group.epoch, group.assignor, group.topicPartitions, group.target),
    members: [...group.members.values()].map(memberEntry),
    offsets: offsetEntries(group),
  };
}

function fromEntry(entry: GroupEntry): Group {
  const group = emptyGroup(entry.g, entry.at, entry.target.assignor);
  applyTarget(group, entry.target);
  for (const member of entry.members) putMember(group, member);
  for (const offset of entry.offsets) applyOffset(group, offset, true);
  return group;
}
