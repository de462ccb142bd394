/**
 * The body of a group commit, `{"member_id", "member_epoch", "offsets": [...]}`: checked for
 * shape the same way whether it comes as `POST {base}/__ds/groups/<id>/commit` or as the
 * `commit` part of a transaction (with the group named in it).
 */
import type { OffsetInput } from "../runtime/positions.js";
import { invalid } from "./http.js";
import { MAX_OFFSETS, offsetToken, partitionNumber, topicName } from "./parse.js";

export interface CommitMember {
  /** Absent for a commit by no member (a group whose consumers assign partitions themselves). */
  readonly memberId: string | undefined;
  readonly memberEpoch: number;
}

export interface CommitBody {
  readonly member: CommitMember;
  readonly inputs: OffsetInput[];
}

export function parseCommitBody(body: Record<string, unknown>, maxMetadata: number): CommitBody {
  return { member: commitMember(body), inputs: offsetInputs(body.offsets, maxMetadata) };
}

function commitMember(body: Record<string, unknown>): CommitMember {
  const { member_id: memberId, member_epoch: memberEpoch } = body;
  if (memberId === undefined || memberId === null) return { memberId: undefined, memberEpoch: -1 };
  if (typeof memberId !== "string" || memberId === "") throw invalid("member_id must be a string");
  if (!Number.isSafeInteger(memberEpoch) || (memberEpoch as number) < 1) {
    throw invalid("member_epoch must be the member's epoch (an integer of at least 1)");
  }
  return { memberId, memberEpoch: memberEpoch as number };
}

export function offsetInputs(value: unknown, maxMetadata: number): OffsetInput[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_OFFSETS) {
    throw invalid(`offsets must be an array of 1-${MAX_OFFSETS} {"topic","partition","offset"} entries`);
  }
  const seen = new Set<string>();
  return value.map((entry: unknown, i) => {
    if (typeof entry !== "object" || entry === null) throw invalid(`offsets[${i}] must be an object`);
    const { topic, partition, offset, metadata } = entry as Record<string, unknown>;
    const input = {
      topic: topicName(topic, `offsets[${i}].topic`),
      partition: partitionNumber(partition, `offsets[${i}].partition`),
      offset: offsetToken(offset, `offsets[${i}].offset`),
      metadata: metadataOf(metadata, maxMetadata, i),
    };
    const key = `${input.topic}\u0000${input.partition}`;
    if (seen.has(key)) throw invalid(`offsets names ${input.topic}/${input.partition} twice`);
    seen.add(key);
    return input;
  });
}

function metadataOf(value: unknown, max: number, i: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length > max)
    throw invalid(`offsets[${i}].metadata must be a string of at most ${max} characters`);
  return value;
}
