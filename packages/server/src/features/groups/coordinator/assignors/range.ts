/**
 * The `range` assignor: each topic's partitions are cut into contiguous ranges, one per
 * subscribed member in a stable order (instance id, else member id), the first members taking
 * one more when the count does not divide. Topics with the same partition count are therefore
 * co-partitioned — partition i of each goes to the same member — which joins need.
 */
import { type PartitionKey, partitionKey } from "../model.js";
import type { Assignor, AssignorInput, AssignorMember } from "./assignor.js";

export const rangeAssignor: Assignor = {
  name: "range",
  assign(input: AssignorInput): Map<string, Set<PartitionKey>> {
    const result = new Map<string, Set<PartitionKey>>(input.members.map((m) => [m.id, new Set()]));
    for (const [topic, count] of input.partitions) {
      const subscribers = input.members.filter((m) => m.topics.includes(topic)).sort(byStableName);
      if (subscribers.length === 0) continue;
      const base = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      let next = 0;
      subscribers.forEach((member, index) => {
        const size = base + (index < extra ? 1 : 0);
        const keys = result.get(member.id)!;
        for (let p = next; p < next + size; p++) keys.add(partitionKey(topic, p));
        next += size;
      });
    }
    return result;
  },
};

function byStableName(a: AssignorMember, b: AssignorMember): number {
  const left = a.instanceId ?? a.id;
  const right = b.instanceId ?? b.id;
  return left < right ? -1 : left > right ? 1 : 0;
}
