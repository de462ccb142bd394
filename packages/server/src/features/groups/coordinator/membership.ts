/**
 * Heartbeats (KIP-848): one call per member for everything — join with epoch 0, leave with -1,
 * a static member's temporary leave with -2, and otherwise the current epoch, with what the
 * member owns. Each validates fully before it changes anything.
 */
import { ProtocolError } from "@rivulet/protocol";
import type { TopicDirectory } from "../sources/types.js";
import { Changes, type Decision } from "./changes.js";
import { fenced, groupLimit, unknownMember } from "./errors.js";
import type { Group, Member, PartitionKey } from "./model.js";
import { reconcile } from "./reconcile.js";
import { type Groups, memberEntry, targetRecord } from "./reducer.js";
import {
  type HeartbeatRequest,
  type HeartbeatResult,
  JOIN_EPOCH,
  LEAVE_EPOCH,
  STATIC_LEAVE_EPOCH,
} from "./requests.js";
import type { CoordinatorSettings } from "./settings.js";
import { retarget, topicsChanged } from "./target.js";

export interface MembershipContext {
  readonly groups: Groups;
  readonly settings: CoordinatorSettings;
  readonly directory: TopicDirectory;
  readonly newMemberId: () => string;
}

export function heartbeat(
  ctx: MembershipContext,
  groupId: string,
  request: HeartbeatRequest,
  now: number,
): Decision<HeartbeatResult> {
  if (request.memberEpoch === JOIN_EPOCH) return join(ctx, groupId, request, now);
  const group = ctx.groups.get(groupId);
  const member = request.memberId === undefined ? undefined : group?.members.get(request.memberId);
  if (!group || !member) throw unknownMember(groupId, request.memberId);
  const changes = new Changes(ctx.groups);
  if (request.memberEpoch === LEAVE_EPOCH) {
    changes.emit({ t: "gone", g: group.id, m: member.id });
    retarget(changes, group, ctx.directory, now);
    return { records: changes.records, result: answer(group, member, LEAVE_EPOCH) };
  }
  if (request.memberEpoch === STATIC_LEAVE_EPOCH) return staticLeave(ctx, changes, group, member, now);
  checkEpoch(member, request);
  checkAssignor(group, request);
  member.deadline = now + ctx.settings.sessionTimeoutMs;
  if (request.owned !== undefined) member.owned = new Set(request.owned);
  const topics = request.topics ?? member.topics;
  const rto = request.rebalanceTimeoutMs ?? member.rebalanceTimeoutMs;
  const resubscribed = !sameList(topics, member.topics);
  if (resubscribed || rto !== member.rebalanceTimeoutMs) {
    changes.emit({ t: "member", g: group.id, m: memberEntry({ ...member, topics, rebalanceTimeoutMs: rto }) });
  }
  if (resubscribed || topicsChanged(group, ctx.directory)) retarget(changes, group, ctx.directory, now);
  reconcile(changes, group, member, now);
  return { records: changes.records, result: answer(group, member) };
}

function join(ctx: MembershipContext, groupId: string, request: HeartbeatRequest, now: number) {
  let group = ctx.groups.get(groupId);
  if (!group && ctx.groups.size >= ctx.settings.maxGroups) throw groupLimit(ctx.settings.maxGroups);
  if (group) checkAssignor(group, request);
  const memberId = request.memberId ?? ctx.newMemberId();
  const holder = group && request.instanceId !== undefined ? byInstance(group, request.instanceId) : undefined;
  if (holder && holder.id !== memberId && (!holder.left || holder.fenced)) {
    const wait = Math.max(1, Math.ceil((holder.deadline - now) / 1000));
    throw new ProtocolError(
      "UNRELEASED_INSTANCE_ID",
      `Instance ${request.instanceId} is held by active member ${holder.id} until its session ends`,
      { "retry-after": String(wait) },
    );
  }
  // A static member back after leaving for now: same epoch, same partitions, no rebalance.
  const reclaim = holder?.left === true && !holder.fenced ? holder : undefined;
  const existing = group?.members.get(memberId);
  if (group && !existing && !reclaim && group.members.size >= ctx.settings.maxMembersPerGroup) {
    throw new ProtocolError(
      "GROUP_MAX_SIZE_REACHED",
      `Group ${groupId} has its limit of ${ctx.settings.maxMembersPerGroup} members`,
    );
  }
  const changes = new Changes(ctx.groups);
  if (!group) {
    changes.emit({ t: "group", g: groupId, at: now, assignor: request.assignor ?? ctx.settings.defaultAssignor });
    group = ctx.groups.get(groupId)!;
  }
  const topics = request.topics ?? [];
  const rto = request.rebalanceTimeoutMs ?? ctx.settings.rebalanceTimeoutMs;
  const assignor = request.assignor ?? group.assignor;
  if (reclaim) {
    rejoinStatic(changes, group, reclaim, { ...reclaim, id: memberId, topics, rebalanceTimeoutMs: rto, left: false });
    if (!sameList(topics, reclaim.topics) || assignor !== group.assignor || topicsChanged(group, ctx.directory)) {
      retarget(changes, group, ctx.directory, now, assignor);
    }
  } else {
    // A new member, or one starting over: it owns nothing now, and gets a new epoch.
    const fresh: Member = {
      ...(existing ?? blankMember(memberId)),
      instanceId: request.instanceId ?? null,
      epoch: 0,
      previousEpoch: 0,
      topics,
      rebalanceTimeoutMs: rto,
      assigned: new Map(),
      revoking: new Map(),
      left: false,
    };
    changes.emit({ t: "member", g: group.id, m: memberEntry(fresh) });
    retarget(changes, group, ctx.directory, now, assignor);
  }
  const member = group.members.get(memberId)!;
  member.deadline = now + ctx.settings.sessionTimeoutMs;
  member.owned = new Set();
  member.fenced = false;
  member.revokeDeadline = null;
  reconcile(changes, group, member, now);
  return { records: changes.records, result: answer(group, member) };
}

/** The returning member takes over the one that left (under a new member id, if it has one). */
function rejoinStatic(changes: Changes, group: Group, away: Member, back: Member): void {
  if (away.id !== back.id) {
    changes.emit({ t: "gone", g: group.id, m: away.id });
    changes.emit({ t: "member", g: group.id, m: memberEntry(back) });
    const target = new Map(group.target);
    target.set(back.id, target.get(away.id) ?? new Set());
    target.delete(away.id);
    changes.emit({
      t: "target",
      g: group.id,
      ...targetRecord(group.epoch, group.assignor, group.topicPartitions, target),
    });
    return;
  }
  changes.emit({ t: "member", g: group.id, m: memberEntry(back) });
}

function staticLeave(ctx: MembershipContext, changes: Changes, group: Group, member: Member, now: number) {
  if (member.instanceId === null) {
    throw new ProtocolError(
      "INVALID_GROUP_REQUEST",
      "member_epoch -2 (leave for now) is for members with an instance_id",
    );
  }
  changes.emit({ t: "member", g: group.id, m: memberEntry({ ...member, left: true }) });
  // It consumes nothing while away; its partitions wait for its instance id until the session ends.
  member.owned = new Set();
  member.deadline = now + ctx.settings.sessionTimeoutMs;
  reconcile(changes, group, member, now);
  return { records: changes.records, result: answer(group, member, STATIC_LEAVE_EPOCH) };
}

/**
 * KIP-848's rule: the current epoch, or the previous one from a member whose last reply was
 * lost (it then owns no more than it was given). Anything else is a zombie.
 */
function checkEpoch(member: Member, request: HeartbeatRequest): void {
  const epoch = request.memberEpoch;
  if (member.fenced) throw fenced(member.id, epoch, member.epoch, "it did not give up partitions in time");
  if (member.left) throw fenced(member.id, epoch, member.epoch, "it left the group");
  if (epoch === member.epoch) return;
  const owned = request.owned ?? member.owned;
  if (epoch < member.epoch && epoch === member.previousEpoch && owned !== null && ownsOnly(member, owned)) return;
  throw fenced(member.id, epoch, member.epoch, `epoch ${epoch} is not its current epoch`);
}

function ownsOnly(member: Member, owned: ReadonlySet<PartitionKey>): boolean {
  for (const key of owned) if (!member.assigned.has(key) && !member.revoking.has(key)) return false;
  return true;
}

function checkAssignor(group: Group, request: HeartbeatRequest): void {
  if (request.assignor === undefined || request.assignor === group.assignor) return;
  const others = [...group.members.keys()].filter((id) => id !== request.memberId).length;
  if (others === 0) return;
  throw new ProtocolError(
    "INCONSISTENT_ASSIGNOR",
    `Group ${group.id} uses the ${group.assignor} assignor; it changes only when the group has no other members`,
    {},
    { details: { assignor: group.assignor } },
  );
}

function byInstance(group: Group, instanceId: string): Member | undefined {
  for (const member of group.members.values()) if (member.instanceId === instanceId) return member;
  return undefined;
}

function blankMember(id: string): Member {
  return {
    id,
    instanceId: null,
    epoch: 0,
    previousEpoch: 0,
    topics: [],
    rebalanceTimeoutMs: 0,
    assigned: new Map(),
    revoking: new Map(),
    left: false,
    deadline: Number.POSITIVE_INFINITY,
    revokeDeadline: null,
    fenced: false,
    owned: null,
  };
}

function answer(group: Group, member: Member, epoch = member.epoch): HeartbeatResult {
  if (epoch < 0)
    return { memberId: member.id, memberEpoch: epoch, groupEpoch: group.epoch, assignment: [], pending: [] };
  const assignment = [...member.assigned.keys()];
  const pending = [...(group.target.get(member.id) ?? [])].filter((key) => !member.assigned.has(key));
  return { memberId: member.id, memberEpoch: member.epoch, groupEpoch: group.epoch, assignment, pending };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
