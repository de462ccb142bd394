/**
 * Reconciliation (KIP-848), revoke before assign: a member first gives up the partitions its
 * target no longer has — they stay its own until a heartbeat of its says it no longer owns
 * them — and only then takes its new ones, each only once no other member owns it. So no
 * partition ever has two owners.
 */
import type { Changes } from "./changes.js";
import type { Group, Member, PartitionKey } from "./model.js";
import { memberEntry } from "./reducer.js";

export function reconcile(changes: Changes, group: Group, member: Member, now: number): void {
  const target = group.target.get(member.id) ?? new Set<PartitionKey>();
  const keep = new Map<PartitionKey, number>();
  const revoke = new Map<PartitionKey, number>();
  for (const [key, epoch] of member.assigned) (target.has(key) ? keep : revoke).set(key, epoch);
  // A partition being revoked that the target gives back is still the member's own: kept.
  for (const [key, epoch] of member.revoking) (target.has(key) ? keep : revoke).set(key, epoch);
  if (revoke.size > 0 && stillOwnsAny(member, revoke)) {
    if (!sameHeld(keep, member.assigned) || !sameHeld(revoke, member.revoking)) {
      update(changes, group, member, { assigned: keep, revoking: revoke });
    }
    member.revokeDeadline ??= now + member.rebalanceTimeoutMs;
    return;
  }
  member.revokeDeadline = null;
  const assigned = new Map(keep);
  for (const key of target) if (!assigned.has(key) && !group.owners.has(key)) assigned.set(key, group.epoch);
  if (group.epoch !== member.epoch || !sameHeld(assigned, member.assigned) || member.revoking.size > 0) {
    const previousEpoch = group.epoch !== member.epoch ? member.epoch : member.previousEpoch;
    update(changes, group, member, { epoch: group.epoch, previousEpoch, assigned, revoking: new Map() });
  }
}

/** An owned set not reported yet counts as owning everything. */
function stillOwnsAny(member: Member, revoke: ReadonlyMap<PartitionKey, number>): boolean {
  if (member.owned === null) return true;
  for (const key of revoke.keys()) if (member.owned.has(key)) return true;
  return false;
}

function update(changes: Changes, group: Group, member: Member, patch: Partial<Member>): void {
  changes.emit({ t: "member", g: group.id, m: memberEntry({ ...member, ...patch }) });
}

function sameHeld(a: ReadonlyMap<PartitionKey, number>, b: ReadonlyMap<PartitionKey, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, epoch] of a) if (b.get(key) !== epoch) return false;
  return true;
}
