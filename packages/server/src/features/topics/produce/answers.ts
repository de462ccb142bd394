/**
 * The produce endpoint's answer, in the form the request asked for (docs/kafka-layer.md, "The
 * answer"): one entry per record (the default), or with `Produce-Answer: partitions` one per
 * partition share — where its first record landed, the offset after its last, its first seq
 * and how many records it holds. The compact form is what a client that knows each record's
 * envelope (the SDK's producer) needs: its answer no longer grows with the records. Pure.
 */
import { formatOffset, ProtocolError } from "@rivulet/protocol";
import type { PartitionWrite, ProduceOutcome } from "./produce.js";

const NEWLINE = 0x0a;

export type AnswerForm = "records" | "partitions";

type Failure = { readonly partition: number; readonly error: { readonly code: string; readonly message: string } };

export type RecordAnswer =
  | {
      readonly partition: number;
      readonly offset: string;
      readonly next_offset: string;
      readonly seq: number;
      readonly timestamp: number;
    }
  /** A retry the partition already had: written before, so its offsets are not known here. */
  | { readonly partition: number; readonly duplicate: true }
  | Failure;

/**
 * A record answer's shape for a whole share, plus how many records it holds: `offset` is its
 * first record's, `next_offset` the partition's tail after its last, `seq` its first record's
 * (record k of the share has seq + k).
 */
export type PartitionAnswer = RecordAnswer & { readonly count: number };

/** `Produce-Answer`: absent means per record, as before the header existed. */
export function answerForm(header: string | undefined): AnswerForm {
  if (header === undefined || header === "records") return "records";
  if (header === "partitions") return "partitions";
  throw new ProtocolError("BAD_REQUEST", `Produce-Answer is "records" or "partitions", not ${JSON.stringify(header)}`);
}

export function answerBody(form: AnswerForm, outcome: ProduceOutcome): object {
  return form === "partitions"
    ? { partitions: outcome.partitions.map(partitionAnswer) }
    : { records: recordAnswers(outcome) };
}

function partitionAnswer(write: PartitionWrite): PartitionAnswer {
  const { partition, outcome } = write;
  const count = write.indices.length;
  if (!outcome.ok) return { partition, count, error: { code: outcome.error.code, message: outcome.error.message } };
  const { result } = outcome;
  if (!result.written || !result.appended) return { partition, count, duplicate: true };
  const start = result.tail - write.stored.length;
  return {
    partition,
    count,
    offset: formatOffset(start),
    next_offset: formatOffset(result.tail),
    seq: result.appended.seq,
    timestamp: result.appended.ts,
  };
}

function recordAnswers(outcome: ProduceOutcome): RecordAnswer[] {
  const answers = new Array<RecordAnswer>(outcome.records);
  for (const write of outcome.partitions) {
    const { partition, indices } = write;
    if (!write.outcome.ok) {
      const error = { code: write.outcome.error.code, message: write.outcome.error.message };
      for (const i of indices) answers[i] = { partition, error };
      continue;
    }
    const { result } = write.outcome;
    if (!result.written || !result.appended) {
      for (const i of indices) answers[i] = { partition, duplicate: true };
      continue;
    }
    // Stored, each envelope ends in "\n" (PROTOCOL §9.1), the only newline it holds.
    const { stored } = write;
    const start = result.tail - stored.length;
    let position = start;
    for (const [k, index] of indices.entries()) {
      const next = start + stored.indexOf(NEWLINE, position - start) + 1;
      answers[index] = {
        partition,
        offset: formatOffset(position),
        next_offset: formatOffset(next),
        seq: result.appended.seq + k,
        timestamp: result.appended.ts,
      };
      position = next;
    }
  }
  return answers;
}
