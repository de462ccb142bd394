/**
 * The records of the groups state log: each is one decided change, applied by the reducer
 * both when it is decided and when the log is replayed, so the two cannot disagree. Field
 * names are short and stable: they are the on-disk format.
 */

/** A partition with an epoch: topic, partition, the epoch it was assigned at. */
export type HeldEntry = readonly [topic: string, partition: number, epoch: number];

/** A committed offset: topic, partition, offset, seq, metadata, commit time. */
export type OffsetEntry = readonly [
  topic: string,
  partition: number,
  offset: string,
  seq: number | null,
  metadata: string | null,
  at: number,
];

export interface MemberEntry {
  readonly id: string;
  readonly inst: string | null;
  readonly epoch: number;
  readonly prev: number;
  readonly topics: readonly string[];
  readonly rto: number;
  readonly left: boolean;
  readonly assigned: readonly HeldEntry[];
  readonly revoking: readonly HeldEntry[];
}

/** A target assignment: member id, then each topic with its partitions. */
export type TargetEntry = readonly [member: string, partitions: ReadonlyArray<readonly [topic: string, number[]]>];

export interface TargetRecord {
  readonly epoch: number;
  readonly assignor: string;
  /** Partition counts the target was computed from. */
  readonly topics: ReadonlyArray<readonly [topic: string, partitions: number]>;
  readonly members: readonly TargetEntry[];
}

/** A whole group: the snapshot entry of compaction. */
export interface GroupEntry {
  readonly g: string;
  readonly at: number;
  readonly target: TargetRecord;
  readonly members: readonly MemberEntry[];
  readonly offsets: readonly OffsetEntry[];
}

export type GroupRecord =
  /** A group came to be (its first join, commit or reset). */
  | { readonly t: "group"; readonly g: string; readonly at: number; readonly assignor: string }
  /** A member joined or changed: its whole durable state. */
  | { readonly t: "member"; readonly g: string; readonly m: MemberEntry }
  /** A member left, expired, or was replaced by its instance id's new member. */
  | { readonly t: "gone"; readonly g: string; readonly m: string }
  /** A new group epoch and its target assignment (or the same epoch, a member renamed). */
  | ({ readonly t: "target"; readonly g: string } & TargetRecord)
  /** Offsets committed by a member (never lower than the committed ones). */
  | { readonly t: "commit"; readonly g: string; readonly o: readonly OffsetEntry[] }
  /** Offsets set by an administrator while the group had no members: they may go back. */
  | { readonly t: "reset"; readonly g: string; readonly o: readonly OffsetEntry[] }
  | { readonly t: "delete"; readonly g: string }
  | ({ readonly t: "snap" } & GroupEntry);
