/**
 * A group's offset commit inside a transaction: the `commit` part of `POST {base}/__ds/transactions`
 * (docs/kafka-layer.md, "Participants"), in the shape of the group commit endpoint's body. A
 * consumer-process-produce loop commits the offsets of what it consumed with what it produced,
 * so each input record's output is written exactly once.
 */
import { invalid } from "../options.js";
import { checkTopicName } from "../topic-metadata.js";

export interface CommitOffset {
  topic: string;
  partition: number;
  /** The position of the next record to process (the `nextOffset` of the last one processed). */
  offset: string;
  /** Up to 4,096 characters kept with the offset. */
  metadata?: string;
}

/** What `tx.commitOffsets()` takes: the group, the committing member and its offsets. */
export interface TransactionCommit {
  group: string;
  /** The member committing (a consumer in the group); absent only while the group has no members. */
  memberId?: string;
  memberEpoch?: number;
  offsets: readonly CommitOffset[];
}

/**
 * A consumer (or anything tracking offsets) that knows what it may commit: it answers its group,
 * member id, epoch and the offsets of its finished records. `tx.commitOffsets(consumer)` asks it.
 */
export interface CommitSource {
  transactionCommit(): TransactionCommit | Promise<TransactionCommit>;
}

export interface WireCommitPart {
  group: string;
  member_id?: string;
  member_epoch?: number;
  offsets: { topic: string; partition: number; offset: string; metadata?: string }[];
}

export function isCommitSource(value: unknown): value is CommitSource {
  return typeof (value as CommitSource | null)?.transactionCommit === "function";
}

/** Checks a commit and turns it into the body part; INVALID_ARGUMENT naming the field otherwise. */
export function commitPart(commit: TransactionCommit): WireCommitPart {
  if (typeof commit !== "object" || commit === null) throw invalid("commitOffsets", "needs { group, offsets }");
  if (typeof commit.group !== "string" || commit.group.length === 0) throw invalid("group", "must be a group id");
  if (commit.memberId !== undefined && typeof commit.memberId !== "string")
    throw invalid("memberId", "must be a string");
  if (commit.memberEpoch !== undefined && !Number.isInteger(commit.memberEpoch)) {
    throw invalid("memberEpoch", "must be an integer");
  }
  if ((commit.memberId === undefined) !== (commit.memberEpoch === undefined)) {
    throw invalid("memberId", "and memberEpoch go together");
  }
  if (!Array.isArray(commit.offsets) || commit.offsets.length === 0) throw invalid("offsets", "must list at least one");
  const seen = new Set<string>();
  const offsets = commit.offsets.map((entry) => {
    checkTopicName(entry?.topic);
    if (!Number.isInteger(entry.partition) || entry.partition < 0)
      throw invalid("partition", "must be a whole number ≥ 0");
    if (typeof entry.offset !== "string" || entry.offset.length === 0)
      throw invalid("offset", "must be an offset string");
    const key = `${entry.topic}/${entry.partition}`;
    if (seen.has(key)) throw invalid("offsets", `name ${key} twice`);
    seen.add(key);
    return {
      topic: entry.topic,
      partition: entry.partition,
      offset: entry.offset,
      ...(entry.metadata === undefined ? {} : { metadata: entry.metadata }),
    };
  });
  return {
    group: commit.group,
    ...(commit.memberId === undefined ? {} : { member_id: commit.memberId, member_epoch: commit.memberEpoch }),
    offsets,
  };
}
