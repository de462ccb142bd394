/**
 * The in-memory shape of consumer groups (KIP-848 style, docs/kafka-layer.md). A member
 * owns a partition from the moment it is told it may consume it until it confirms, in a
 * heartbeat, that it no longer does — or until it is removed. `owners` indexes that, so a
 * partition is handed to a new member only when nobody owns it.
 */

/** A topic partition as one string: `topic`, NUL, partition number (NUL is in no topic name). */
export type PartitionKey = string;

export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}\u0000${partition}`;
}

export function splitKey(key: PartitionKey): { topic: string; partition: number } {
  const at = key.lastIndexOf("\u0000");
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

export type AssignorName = "uniform" | "range";
export const ASSIGNORS: readonly AssignorName[] = ["uniform", "range"];

export interface Member {
  readonly id: string;
  /** Static membership: the same instance id comes back after a restart and keeps the assignment. */
  instanceId: string | null;
  /** The epoch of the assignment the member has reconciled to. */
  epoch: number;
  /** The epoch before the last bump: a heartbeat whose reply was lost still carries it. */
  previousEpoch: number;
  /** Subscribed topics, sorted. */
  topics: readonly string[];
  /** How long the member may take to give up partitions before it is fenced. */
  rebalanceTimeoutMs: number;
  /** Partitions the member may consume, each with the epoch at which it was assigned to it. */
  assigned: Map<PartitionKey, number>;
  /** Partitions taken from the member that it has not yet confirmed giving up: still its own. */
  revoking: Map<PartitionKey, number>;
  /** A static member that left for now (epoch -2): its partitions wait for its instance id. */
  left: boolean;
  // Not durable: after a restart every member gets a new session and reports again.
  /** The session ends (and the member is removed) after this time. */
  deadline: number;
  /** A revocation not confirmed by then fences the member. */
  revokeDeadline: number | null;
  /** Fenced for not revoking in time: it may not heartbeat or commit; removed at its deadline. */
  fenced: boolean;
  /** What the member last said it owns; null until it says (it is then assumed to own everything). */
  owned: Set<PartitionKey> | null;
}

export interface Committed {
  readonly offset: string;
  readonly seq: number | null;
  readonly metadata: string | null;
  /** When it was committed (ms since the epoch). */
  readonly at: number;
}

export interface Group {
  readonly id: string;
  readonly createdAt: number;
  assignor: AssignorName;
  /**
   * Bumped on every change of membership, subscriptions or topic metadata; the target
   * assignment is recomputed at once, so it is also the target assignment's epoch. Never reused.
   */
  epoch: number;
  /** Partition counts of the subscribed topics the target was computed from. */
  topicPartitions: Map<string, number>;
  /** Where each member is headed; members reach it through reconciliation. */
  target: Map<string, Set<PartitionKey>>;
  members: Map<string, Member>;
  /** Which member owns each partition (assigned or revoking). */
  owners: Map<PartitionKey, string>;
  offsets: Map<PartitionKey, Committed>;
}

/** KIP-848's group states, from the members' progress toward the target. */
export type GroupState = "empty" | "reconciling" | "stable";

export function groupState(group: Group): GroupState {
  if (group.members.size === 0) return "empty";
  for (const member of group.members.values()) if (memberState(group, member) !== "stable") return "reconciling";
  return "stable";
}

/** Where a member is: giving partitions up, waiting for others to release its new ones, or done. */
export type MemberState = "stable" | "revoking" | "awaiting" | "left" | "fenced";

export function memberState(group: Group, member: Member): MemberState {
  if (member.fenced) return "fenced";
  if (member.left) return "left";
  if (member.revoking.size > 0) return "revoking";
  const target = group.target.get(member.id);
  if (member.epoch !== group.epoch || !sameKeys(member.assigned, target)) return "awaiting";
  return "stable";
}

function sameKeys(assigned: ReadonlyMap<PartitionKey, number>, target: ReadonlySet<PartitionKey> | undefined): boolean {
  const size = target?.size ?? 0;
  if (assigned.size !== size) return false;
  for (const key of assigned.keys()) if (!target!.has(key)) return false;
  return true;
}
