/**
 * The consumer group coordinator, pure: no I/O and no timers — time is passed in, and member
 * ids come from the function it is given. Every decision returns the records that make it
 * durable (already applied to the groups here); the runtime writes them to the state log
 * before it answers. Replaying the same records rebuilds the same groups.
 */
import type { TopicDirectory } from "../sources/types.js";
import { Changes, type Decision } from "./changes.js";
import { commit, deleteGroup, reset } from "./commits.js";
import { heartbeat } from "./membership.js";
import type { Group } from "./model.js";
import type { GroupRecord } from "./records.js";
import { applyRecord, type Groups, toEntry } from "./reducer.js";
import type { CommitRequest, HeartbeatRequest, HeartbeatResult, OffsetCommit } from "./requests.js";
import type { CoordinatorSettings } from "./settings.js";
import { retarget, subscribes, topicsChanged } from "./target.js";

export class GroupCoordinator {
  readonly groups: Groups = new Map();

  constructor(
    readonly settings: CoordinatorSettings,
    private readonly directory: TopicDirectory,
    private readonly newMemberId: () => string,
  ) {}

  /** Applies a record read back from the state log. */
  replay(record: GroupRecord): void {
    applyRecord(this.groups, record);
  }

  /** Snapshot entries that rebuild every group through `replay`. */
  *snapshot(): Iterable<GroupRecord> {
    for (const group of this.groups.values()) yield toEntry(group);
  }

  /**
   * After a replay: every member gets a new session from `now` (a restart must not expire
   * them) and is asked again what it owns; static members that left own nothing.
   */
  loaded(now: number): void {
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) {
        member.deadline = now + this.settings.sessionTimeoutMs;
        member.owned = member.left ? new Set() : null;
        member.revokeDeadline = member.revoking.size > 0 ? now + member.rebalanceTimeoutMs : null;
        member.fenced = false;
      }
    }
  }

  clear(): void {
    this.groups.clear();
  }

  get(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  heartbeat(groupId: string, request: HeartbeatRequest, now: number): Decision<HeartbeatResult> {
    const ctx = {
      groups: this.groups,
      settings: this.settings,
      directory: this.directory,
      newMemberId: this.newMemberId,
    };
    return heartbeat(ctx, groupId, request, now);
  }

  commit(groupId: string, request: CommitRequest, now: number): Decision<void> {
    return commit(this.groups, this.settings, groupId, request, now);
  }

  reset(groupId: string, offsets: readonly OffsetCommit[], now: number): Decision<void> {
    return reset(this.groups, this.settings, groupId, offsets, now);
  }

  delete(groupId: string): Decision<void> {
    return deleteGroup(this.groups, groupId);
  }

  /**
   * Ends sessions past their deadline (the member is removed and its partitions freed), and
   * fences members that did not give up partitions within their rebalance timeout: they are
   * left out of the target at once, and their partitions freed when their session ends — a
   * fenced member may still be consuming until then.
   */
  expire(now: number): GroupRecord[] {
    const changes = new Changes(this.groups);
    for (const group of this.groups.values()) {
      let changed = false;
      for (const member of [...group.members.values()]) {
        if (member.deadline < now) {
          changes.emit({ t: "gone", g: group.id, m: member.id });
          changed = true;
        } else if (!member.fenced && member.revokeDeadline !== null && member.revokeDeadline < now) {
          member.fenced = true;
          changed = true;
        }
      }
      if (changed) retarget(changes, group, this.directory, now);
    }
    return changes.records;
  }

  /** A topic's partition count changed: groups subscribed to it get a new target. */
  topicChanged(topic: string, now: number): GroupRecord[] {
    const changes = new Changes(this.groups);
    for (const group of this.groups.values()) {
      if (subscribes(group, topic) && topicsChanged(group, this.directory))
        retarget(changes, group, this.directory, now);
    }
    return changes.records;
  }
}
