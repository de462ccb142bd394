/** Requests and answers of the coordinator, already parsed and checked for shape (routes/parse.ts). */
import type { AssignorName, PartitionKey } from "./model.js";

/** Member epochs with a meaning of their own (KIP-848). */
export const JOIN_EPOCH = 0;
export const LEAVE_EPOCH = -1;
export const STATIC_LEAVE_EPOCH = -2;

export interface HeartbeatRequest {
  /** Absent on a join: the coordinator makes one. */
  readonly memberId: string | undefined;
  readonly memberEpoch: number;
  readonly instanceId: string | undefined;
  /** Subscribed topics; required on a join, absent when unchanged. */
  readonly topics: readonly string[] | undefined;
  /** Partitions the member consumes now; absent when unchanged since its last heartbeat. */
  readonly owned: ReadonlySet<PartitionKey> | undefined;
  readonly assignor: AssignorName | undefined;
  readonly rebalanceTimeoutMs: number | undefined;
}

export interface HeartbeatResult {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly groupEpoch: number;
  /** Partitions the member may consume now (absent after a leave). */
  readonly assignment: readonly PartitionKey[];
  /** Partitions of its target still owned by others: they come once released. */
  readonly pending: readonly PartitionKey[];
}

export interface OffsetCommit {
  readonly key: PartitionKey;
  readonly offset: string;
  readonly seq: number | null;
  readonly metadata: string | null;
}

export interface CommitRequest {
  /** Absent for a commit by no member, allowed only while the group has none. */
  readonly memberId: string | undefined;
  readonly memberEpoch: number;
  readonly offsets: readonly OffsetCommit[];
}
