/** The groups API's JSON (docs/kafka-layer.md, "Consumer groups") in the SDK's shapes. */

export interface GroupSummary {
  id: string;
  state: "empty" | "reconciling" | "stable";
  memberCount: number;
  groupEpoch: number;
  assignor: string;
}

export interface GroupMember {
  memberId: string;
  instanceId: string | null;
  memberEpoch: number;
  state: string;
  topics: string[];
  /** Partitions it consumes now, per topic. */
  assignment: Record<string, number[]>;
}

export interface GroupPartition {
  topic: string;
  partition: number;
  /** The committed offset (the next record to process), or null before the first commit. */
  committedOffset: string | null;
  committedSeq: number | null;
  /** Records between the committed offset and the tail; null without a commit. */
  lag: number | null;
  nextOffset: string | null;
}

export interface GroupDescription extends GroupSummary {
  members: GroupMember[];
  /** The sum of every partition's known lag, in records. */
  totalLag: number;
  partitions: GroupPartition[];
}

export interface WireSummary {
  group: string;
  state: GroupSummary["state"];
  member_count: number;
  group_epoch: number;
  assignor: string;
}

export interface WireDescription extends WireSummary {
  members: {
    member_id: string;
    instance_id: string | null;
    member_epoch: number;
    state: string;
    topics: string[];
    assignment: Record<string, number[]>;
  }[];
  lag: { messages: number | null };
}

export interface WireOffsets {
  offsets: {
    topic: string;
    partition: number;
    committed: { offset: string; seq: number | null } | null;
    next_offset: string | null;
    lag: { messages: number | null };
  }[];
  lag: { messages: number | null };
}

export function groupSummary(wire: WireSummary): GroupSummary {
  return {
    id: wire.group,
    state: wire.state,
    memberCount: wire.member_count,
    groupEpoch: wire.group_epoch,
    assignor: wire.assignor,
  };
}

export function groupDescription(wire: WireDescription, offsets: WireOffsets): GroupDescription {
  return {
    ...groupSummary(wire),
    members: wire.members.map((m) => ({
      memberId: m.member_id,
      instanceId: m.instance_id,
      memberEpoch: m.member_epoch,
      state: m.state,
      topics: m.topics,
      assignment: m.assignment,
    })),
    totalLag: offsets.lag.messages ?? 0,
    partitions: offsets.offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      committedOffset: o.committed?.offset ?? null,
      committedSeq: o.committed?.seq ?? null,
      lag: o.lag.messages,
      nextOffset: o.next_offset,
    })),
  };
}
