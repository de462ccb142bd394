/**
 * What a transaction answers (docs/kafka-layer.md): per item, what a plain append's headers
 * would say, as JSON; and for a refusal, every refused item or part with the error a plain
 * append (or the participant) would have given. Pure.
 */
import { type DetailValue, formatOffset, ProtocolError } from "@rivulet/protocol";
import type { AppendResult } from "../../engine/append-record.js";
import { type ItemRefusal, refusalBody, type TransactionRefusedError } from "../../engine/transaction.js";
import type { ParsedItem } from "./parse.js";

/** One item's result: the headers of a plain append's answer, as JSON fields. */
export function itemResult(item: ParsedItem, result: AppendResult): Record<string, DetailValue> {
  const answer: Record<string, DetailValue> = {
    path: item.name,
    // false: nothing was written, as for a plain append its producer had already sent.
    written: result.written,
    next_offset: formatOffset(result.tail),
  };
  if (result.appended) {
    answer.seq = result.appended.seq;
    answer.timestamp = result.appended.ts;
  }
  if (result.producer) {
    answer.producer_epoch = result.producer.epoch;
    answer.producer_seq = result.producer.lastSeq;
  }
  if (result.closed) answer.closed = true;
  return answer;
}

/** Where a participant's appends sit among the transaction's items (after the request's own). */
export interface PartRange {
  readonly field: string;
  readonly start: number;
  readonly end: number;
}

/** The engine's refusal, with items named as the client named them and participants' appends as their part. */
export function refusedItems(
  error: TransactionRefusedError,
  items: readonly ParsedItem[],
  parts: readonly PartRange[],
): ProtocolError {
  const errors = error.refusals.map((refusal) => {
    const { index: _index, path: _path, ...body } = refusalBody(refusal);
    const item = items[refusal.index];
    if (item) return { item: refusal.index, path: item.name, ...body };
    const part = parts.find((range) => refusal.index >= range.start && refusal.index < range.end);
    return { part: part?.field ?? "unknown", ...body };
  });
  return conflict(errors, error.refusals[0]!, items);
}

/** A participant refused its part: the transaction is refused naming that part. */
export function refusedPart(field: string, error: ProtocolError): ProtocolError {
  const { index: _index, path: _path, ...body } = refusalBody({ index: -1, path: "", error });
  return new ProtocolError(
    "TRANSACTION_CONFLICT",
    `The transaction was refused, nothing was written: \`${field}\`: ${error.message}`,
    {},
    { cause: error, details: { errors: [{ part: field, ...body }] } },
  );
}

function conflict(
  errors: ReadonlyArray<Record<string, DetailValue>>,
  first: ItemRefusal,
  items: readonly ParsedItem[],
): ProtocolError {
  const where = items[first.index] ? `items[${first.index}] (${items[first.index]!.name})` : "a part";
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return new ProtocolError(
    "TRANSACTION_CONFLICT",
    `The transaction was refused, nothing was written: ${where}: ${first.error.message}${more}`,
    {},
    { details: { errors } },
  );
}
