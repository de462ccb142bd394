/**
 * Offsets checked against the partitions before a decision: the topic and partition exist, the
 * offset is not past the tail, and its seq (messages before it) is looked up; and the
 * positions a reset goes to — earliest, latest, or the first message at or after a time.
 */
import { ProtocolError } from "@rivulet/protocol";
import { partitionKey } from "../coordinator/model.js";
import type { OffsetCommit } from "../coordinator/requests.js";
import type { GroupSources } from "./service.js";

export interface OffsetInput {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly metadata: string | null;
}

export async function checkedCommits(sources: GroupSources, inputs: readonly OffsetInput[]): Promise<OffsetCommit[]> {
  return Promise.all(
    inputs.map(async (input) => {
      const state = await partition(sources, input.topic, input.partition);
      if (input.offset > state.next.offset) {
        throw new ProtocolError(
          "INVALID_OFFSET",
          `${input.topic}/${input.partition}: offset ${input.offset} is past the partition's tail ${state.next.offset}`,
        );
      }
      const seq =
        input.offset === state.next.offset
          ? state.next.seq
          : await sources.stats.seqAt(input.topic, input.partition, input.offset);
      return {
        key: partitionKey(input.topic, input.partition),
        offset: input.offset,
        seq: seq ?? null,
        metadata: input.metadata,
      };
    }),
  );
}

export type ResetTarget = "earliest" | "latest" | { readonly at: number };

/** Every partition of `topics` at the target position. */
export async function resetPositions(
  sources: GroupSources,
  topics: readonly string[],
  to: ResetTarget,
): Promise<OffsetCommit[]> {
  const commits: Array<Promise<OffsetCommit>> = [];
  for (const topic of topics) {
    const count = sources.directory.partitions(topic);
    if (count === undefined) throw new ProtocolError("TOPIC_NOT_FOUND", `No topic ${topic}`);
    for (let p = 0; p < count; p++) commits.push(positionOf(sources, topic, p, to));
  }
  return Promise.all(commits);
}

async function positionOf(sources: GroupSources, topic: string, p: number, to: ResetTarget): Promise<OffsetCommit> {
  const state = await partition(sources, topic, p);
  let position = to === "earliest" ? state.earliest : state.next;
  if (typeof to === "object") {
    const found = await sources.stats.offsetAt(topic, p, to.at);
    if (!found) throw new ProtocolError("INVALID_GROUP_REQUEST", "This server cannot find offsets by time");
    position = found;
  }
  return { key: partitionKey(topic, p), offset: position.offset, seq: position.seq ?? null, metadata: null };
}

async function partition(sources: GroupSources, topic: string, p: number) {
  const count = sources.directory.partitions(topic);
  if (count === undefined) throw new ProtocolError("TOPIC_NOT_FOUND", `No topic ${topic}`);
  if (p >= count) {
    throw new ProtocolError(
      "PARTITION_NOT_FOUND",
      `Topic ${topic} has ${count} partitions; there is no ${p}`,
      {},
      {
        details: { topic, partition: p, partitions: count },
      },
    );
  }
  const state = await sources.stats.describe(topic, p);
  if (!state)
    throw new ProtocolError(
      "PARTITION_NOT_FOUND",
      `The stream of ${topic}/${p} does not exist`,
      {},
      { details: { topic, partition: p } },
    );
  return state;
}
