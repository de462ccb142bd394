/**
 * The `uniform` assignor: balanced and sticky. Members keep the partitions of the previous
 * target that they are still subscribed to; partitions nobody has go to the least loaded
 * subscribed member; then, while one member has at least two partitions more than another
 * that could take one of them, one moves. Every move lowers the sum of squared loads, so it
 * ends; when all members subscribe to the same topics, loads then differ by at most one and
 * only the partitions balance needs have moved.
 */
import { type PartitionKey, partitionKey, splitKey } from "../model.js";
import type { Assignor, AssignorInput, AssignorMember } from "./assignor.js";

export const uniformAssignor: Assignor = {
  name: "uniform",
  assign(input: AssignorInput): Map<string, Set<PartitionKey>> {
    const eligible = (member: AssignorMember, key: PartitionKey) => member.topics.includes(splitKey(key).topic);
    const result = keepCurrent(input);
    const loads = () => input.members.map((member) => ({ member, keys: result.get(member.id)! }));
    for (const key of unassigned(input, result)) {
      let best: { member: AssignorMember; keys: Set<PartitionKey> } | undefined;
      for (const entry of loads()) {
        if (eligible(entry.member, key) && (!best || entry.keys.size < best.keys.size)) best = entry;
      }
      best?.keys.add(key);
    }
    rebalance(loads(), eligible);
    return result;
  },
};

/** The previous target, less what no longer exists or is no longer subscribed to. */
function keepCurrent(input: AssignorInput): Map<string, Set<PartitionKey>> {
  const result = new Map<string, Set<PartitionKey>>();
  const taken = new Set<PartitionKey>();
  for (const member of input.members) {
    const keys = new Set<PartitionKey>();
    for (const key of input.current.get(member.id) ?? []) {
      const { topic, partition } = splitKey(key);
      const count = input.partitions.get(topic);
      if (count === undefined || partition >= count || !member.topics.includes(topic) || taken.has(key)) continue;
      keys.add(key);
      taken.add(key);
    }
    result.set(member.id, keys);
  }
  return result;
}

function unassigned(input: AssignorInput, result: Map<string, Set<PartitionKey>>): PartitionKey[] {
  const taken = new Set<PartitionKey>();
  for (const keys of result.values()) for (const key of keys) taken.add(key);
  const free: PartitionKey[] = [];
  const topics = [...input.partitions.keys()].sort();
  for (const topic of topics) {
    for (let p = 0; p < input.partitions.get(topic)!; p++) {
      const key = partitionKey(topic, p);
      if (!taken.has(key)) free.push(key);
    }
  }
  return free;
}

type Load = { readonly member: AssignorMember; readonly keys: Set<PartitionKey> };

function rebalance(loads: Load[], eligible: (member: AssignorMember, key: PartitionKey) => boolean): void {
  for (;;) {
    const byLoad = [...loads].sort((a, b) => b.keys.size - a.keys.size);
    if (!moveOne(byLoad, eligible)) return;
  }
}

/** Moves one partition from the most loaded member that can give one to the least loaded taker. */
function moveOne(byLoad: Load[], eligible: (member: AssignorMember, key: PartitionKey) => boolean): boolean {
  for (const giver of byLoad) {
    for (let i = byLoad.length - 1; i >= 0; i--) {
      const taker = byLoad[i]!;
      if (taker.keys.size + 1 >= giver.keys.size) break;
      const key = lastMovable(giver.keys, (k) => eligible(taker.member, k));
      if (key === undefined) continue;
      giver.keys.delete(key);
      taker.keys.add(key);
      return true;
    }
  }
  return false;
}

/** The last (most recently added) of `keys` that `can` take: newer partitions move first. */
function lastMovable(keys: Set<PartitionKey>, can: (key: PartitionKey) => boolean): PartitionKey | undefined {
  let found: PartitionKey | undefined;
  for (const key of keys) if (can(key)) found = key;
  return found;
}
