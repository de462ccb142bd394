/**
 * The headers of an append: content type, Stream-Seq, closure, for manual producers the
 * producer stamp, and for conditional appends the tail expected.
 */
import { Header } from "@rivulet/protocol";
import { checkNumber, invalidArgument, Rule } from "../check.js";
import type { AppendOptions } from "./results.js";

export function appendHeaders(url: string, contentType: string, options: AppendOptions): Record<string, string> {
  const headers: Record<string, string> = { [Header.contentType]: contentType };
  if (options.seq !== undefined) headers[Header.seq] = options.seq;
  if (options.close) headers[Header.closed] = "true";
  const producer = options.producer;
  if (producer !== undefined) {
    if (typeof producer !== "object" || producer === null)
      throw invalidArgument(url, "producer", "must be an object { id, epoch, seq }", producer);
    if (typeof producer.id !== "string" || producer.id.length === 0)
      throw invalidArgument(url, "producer.id", "must be a non-empty string", producer.id);
    // PROTOCOL §5.2.1: epoch and seq are integers from 0 to 2^53-1.
    checkNumber(url, "producer.epoch", producer.epoch, Rule.nonNegativeInteger, true);
    checkNumber(url, "producer.seq", producer.seq, Rule.nonNegativeInteger, true);
    headers[Header.producerId] = producer.id;
    headers[Header.producerEpoch] = String(producer.epoch);
    headers[Header.producerSeq] = String(producer.seq);
  }
  // Conditional append (docs/extensions.md): the tail this write expects.
  if (options.expectedOffset !== undefined) {
    if (typeof options.expectedOffset !== "string" || options.expectedOffset.length === 0)
      throw invalidArgument(url, "expectedOffset", "must be an offset", options.expectedOffset);
    headers[Header.expectedOffset] = options.expectedOffset;
  }
  checkNumber(url, "expectedSeq", options.expectedSeq, Rule.nonNegativeInteger);
  if (options.expectedSeq !== undefined) headers[Header.expectedSeq] = String(options.expectedSeq);
  return headers;
}

/** Whether the append states a tail it expects, so the server must know conditional appends. */
export function isConditional(options: AppendOptions): boolean {
  return options.expectedOffset !== undefined || options.expectedSeq !== undefined;
}
