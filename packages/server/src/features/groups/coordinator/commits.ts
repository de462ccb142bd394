/**
 * Committed offsets. A member commits only partitions it owns, assigned to it at or before the
 * epoch it commits with (KIP-1251's assignment epochs): a member that lost a partition cannot
 * overwrite its successor's offset. Commits never move an offset back; a reset may, and only
 * while the group has no members (Kafka's rule). All or nothing.
 */
import { ProtocolError } from "@rivulet/protocol";
import { Changes, type Decision } from "./changes.js";
import { fenced, groupLimit, groupNotFound, notEmpty, stale, unknownMember } from "./errors.js";
import { type Group, splitKey } from "./model.js";
import type { OffsetEntry } from "./records.js";
import type { Groups } from "./reducer.js";
import type { CommitRequest, OffsetCommit } from "./requests.js";
import type { CoordinatorSettings } from "./settings.js";

export function commit(
  groups: Groups,
  settings: CoordinatorSettings,
  groupId: string,
  request: CommitRequest,
  now: number,
): Decision<void> {
  const group = groups.get(groupId);
  if (request.memberId === undefined) {
    if (group && group.members.size > 0) throw notEmpty(groupId, group.members.size);
  } else {
    checkOwner(group, groupId, request);
  }
  for (const offset of request.offsets) checkForward(group, offset);
  const changes = new Changes(groups);
  createIfNeeded(changes, groups, settings, groupId, now);
  changes.emit({ t: "commit", g: groupId, o: request.offsets.map((o) => entry(o, now)) });
  return { records: changes.records, result: undefined };
}

/** Sets offsets as given, back or forth; only while the group has no members. */
export function reset(
  groups: Groups,
  settings: CoordinatorSettings,
  groupId: string,
  offsets: readonly OffsetCommit[],
  now: number,
): Decision<void> {
  const group = groups.get(groupId);
  if (group && group.members.size > 0) throw notEmpty(groupId, group.members.size);
  const changes = new Changes(groups);
  createIfNeeded(changes, groups, settings, groupId, now);
  changes.emit({ t: "reset", g: groupId, o: offsets.map((o) => entry(o, now)) });
  return { records: changes.records, result: undefined };
}

export function deleteGroup(groups: Groups, groupId: string): Decision<void> {
  const group = groups.get(groupId);
  if (!group) throw groupNotFound(groupId);
  if (group.members.size > 0) throw notEmpty(groupId, group.members.size);
  const changes = new Changes(groups);
  changes.emit({ t: "delete", g: groupId });
  return { records: changes.records, result: undefined };
}

function checkOwner(group: Group | undefined, groupId: string, request: CommitRequest): void {
  const member = group?.members.get(request.memberId!);
  if (!member) throw unknownMember(groupId, request.memberId);
  if (member.fenced || member.left) {
    throw fenced(member.id, request.memberEpoch, member.epoch, member.left ? "it left the group" : "it was fenced");
  }
  if (request.memberEpoch > member.epoch) {
    throw fenced(member.id, request.memberEpoch, member.epoch, `epoch ${request.memberEpoch} is ahead of it`);
  }
  for (const { key } of request.offsets) {
    const since = member.assigned.get(key) ?? member.revoking.get(key);
    if (since === undefined || since > request.memberEpoch) throw stale(key, request.memberEpoch);
  }
}

function checkForward(group: Group | undefined, commit: OffsetCommit): void {
  const current = group?.offsets.get(commit.key);
  if (current === undefined || commit.offset >= current.offset) return;
  const { topic, partition } = splitKey(commit.key);
  throw new ProtocolError(
    "OFFSET_REGRESSION",
    `${topic}/${partition} is committed at ${current.offset}; commits never go back (reset the group's offsets instead)`,
    {},
    { details: { topic, partition, committed: current.offset } },
  );
}

function createIfNeeded(changes: Changes, groups: Groups, settings: CoordinatorSettings, groupId: string, now: number) {
  if (groups.has(groupId)) return;
  if (groups.size >= settings.maxGroups) throw groupLimit(settings.maxGroups);
  changes.emit({ t: "group", g: groupId, at: now, assignor: settings.defaultAssignor });
}

function entry(commit: OffsetCommit, now: number): OffsetEntry {
  const { topic, partition } = splitKey(commit.key);
  return [topic, partition, commit.offset, commit.seq, commit.metadata, now];
}
