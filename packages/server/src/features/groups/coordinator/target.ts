/**
 * The target assignment: recomputed, with a new group epoch, whenever membership,
 * subscriptions or the subscribed topics' partition counts change (KIP-848). Fenced members
 * take no part; static members that left for now do (their partitions wait for them).
 */
import type { TopicDirectory } from "../sources/types.js";
import { ASSIGNOR_BY_NAME } from "./assignors/index.js";
import type { Changes } from "./changes.js";
import type { AssignorName, Group } from "./model.js";
import { reconcile } from "./reconcile.js";
import { targetRecord } from "./reducer.js";

export function retarget(
  changes: Changes,
  group: Group,
  directory: TopicDirectory,
  now: number,
  assignor: AssignorName = group.assignor,
): void {
  const members = [...group.members.values()]
    .filter((member) => !member.fenced)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((member) => ({ id: member.id, instanceId: member.instanceId, topics: member.topics }));
  const partitions = subscribedPartitions(group, directory);
  const target = ASSIGNOR_BY_NAME[assignor].assign({ members, partitions, current: group.target });
  changes.emit({ t: "target", g: group.id, ...targetRecord(group.epoch + 1, assignor, partitions, target) });
  // Static members away for now report nothing: they give up what they lose at once.
  for (const member of group.members.values()) if (member.left) reconcile(changes, group, member, now);
}

/** Whether a subscribed topic's partition count differs from the one the target was computed from. */
export function topicsChanged(group: Group, directory: TopicDirectory): boolean {
  const now = subscribedPartitions(group, directory);
  if (now.size !== group.topicPartitions.size) return true;
  for (const [topic, count] of now) if (group.topicPartitions.get(topic) !== count) return true;
  return false;
}

export function subscribes(group: Group, topic: string): boolean {
  for (const member of group.members.values()) if (member.topics.includes(topic)) return true;
  return false;
}

function subscribedPartitions(group: Group, directory: TopicDirectory): Map<string, number> {
  const topics = new Set<string>();
  for (const member of group.members.values()) if (!member.fenced) for (const topic of member.topics) topics.add(topic);
  const partitions = new Map<string, number>();
  for (const topic of [...topics].sort()) {
    const count = directory.partitions(topic);
    if (count !== undefined && count > 0) partitions.set(topic, count);
  }
  return partitions;
}
