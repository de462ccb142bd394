/**
 * Server-side assignors (KIP-848): pure strategies from the members' subscriptions and the
 * topics' partition counts to a target assignment. Each partition of a subscribed topic goes
 * to exactly one member subscribed to its topic; a topic nobody subscribes to is not assigned.
 */
import type { PartitionKey } from "../model.js";

export interface AssignorMember {
  readonly id: string;
  readonly instanceId: string | null;
  readonly topics: readonly string[];
}

export interface AssignorInput {
  /** The members taking part, in member id order. */
  readonly members: readonly AssignorMember[];
  /** Partition counts of the subscribed topics that exist. */
  readonly partitions: ReadonlyMap<string, number>;
  /** The previous target, which a sticky assignor keeps as much of as balance allows. */
  readonly current: ReadonlyMap<string, ReadonlySet<PartitionKey>>;
}

export interface Assignor {
  readonly name: string;
  assign(input: AssignorInput): Map<string, Set<PartitionKey>>;
}
