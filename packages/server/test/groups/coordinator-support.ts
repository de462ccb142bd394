/** Shorthands for driving the pure coordinator in tests. */
import type { Decision } from "../../src/features/groups/coordinator/changes.js";
import { GroupCoordinator } from "../../src/features/groups/coordinator/coordinator.js";
import { type PartitionKey, partitionKey, splitKey } from "../../src/features/groups/coordinator/model.js";
import type { GroupRecord } from "../../src/features/groups/coordinator/records.js";
import type { HeartbeatRequest, HeartbeatResult } from "../../src/features/groups/coordinator/requests.js";
import type { CoordinatorSettings } from "../../src/features/groups/coordinator/settings.js";
import { MemoryTopics } from "./memory-topics.js";

export const SETTINGS: CoordinatorSettings = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 5_000,
  maxGroups: 100,
  maxMembersPerGroup: 50,
  defaultAssignor: "uniform",
};

export class Harness {
  readonly log: GroupRecord[] = [];
  readonly topics: MemoryTopics;
  coordinator: GroupCoordinator;
  now = 1_000_000;
  private ids = 0;

  constructor(topics: Record<string, number> = { orders: 6 }, settings: Partial<CoordinatorSettings> = {}) {
    this.topics = new MemoryTopics(topics);
    this.coordinator = this.fresh({ ...SETTINGS, ...settings });
  }

  private fresh(settings: CoordinatorSettings): GroupCoordinator {
    return new GroupCoordinator(settings, this.topics, () => `m${++this.ids}`);
  }

  /** A heartbeat whose records are kept as durable. */
  beat(member: Partial<HeartbeatRequest> & { memberEpoch: number }, group = "g"): HeartbeatResult {
    const decision = this.coordinator.heartbeat(group, request(member), this.now);
    this.log.push(...decision.records);
    return decision.result;
  }

  join(topics: string[] = ["orders"], extra: Partial<HeartbeatRequest> = {}, group = "g"): HeartbeatResult {
    return this.beat({ memberEpoch: 0, topics, ...extra }, group);
  }

  /** A heartbeat at the current epoch, reporting `owned` (default: what it was last given). */
  poll(result: HeartbeatResult, owned: readonly PartitionKey[] = result.assignment, group = "g"): HeartbeatResult {
    return this.beat({ memberId: result.memberId, memberEpoch: result.memberEpoch, owned: new Set(owned) }, group);
  }

  /** A decision whose records are kept as durable. */
  keep<T>(decision: Decision<T>): T {
    this.log.push(...decision.records);
    return decision.result;
  }

  expire(): GroupRecord[] {
    const records = this.coordinator.expire(this.now);
    this.log.push(...records);
    return records;
  }

  /** The server restarts: the coordinator is rebuilt from the durable records alone. */
  restart(): void {
    const settings = this.coordinator.settings;
    this.coordinator = this.fresh(settings);
    for (const record of this.log) this.coordinator.replay(record);
    this.coordinator.loaded(this.now);
  }

  group(id = "g") {
    return this.coordinator.get(id)!;
  }
}

export function request(partial: Partial<HeartbeatRequest> & { memberEpoch: number }): HeartbeatRequest {
  return {
    memberId: undefined,
    instanceId: undefined,
    topics: undefined,
    owned: undefined,
    assignor: undefined,
    rebalanceTimeoutMs: undefined,
    ...partial,
  };
}

export const p = (partition: number, topic = "orders") => partitionKey(topic, partition);

export function partitionsOf(keys: readonly PartitionKey[]): string[] {
  return keys
    .map((key) => {
      const { topic, partition } = splitKey(key);
      return `${topic}/${partition}`;
    })
    .sort();
}
