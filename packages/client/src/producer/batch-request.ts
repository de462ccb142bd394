/**
 * What one batch of the idempotent producer looks like on the wire (PROTOCOL §5.2.1): its
 * producer headers and body, and what the server's acknowledgement says about it. Pure, so the
 * producer keeps only the ordering and retry rules.
 */
import { Header } from "@rivulet/protocol";
import type { BufferedResponse } from "../http/transport.js";
import { gzip } from "./compression.js";
import type { BatchAnswer, Outgoing } from "./outgoing.js";

export interface BatchWire {
  readonly producerId: string;
  readonly contentType: string;
  readonly compression: "gzip" | "none" | undefined;
}

/** The headers of `batch`'s request; `close` also closes the stream (§5.2.1 close with a producer). */
export function batchHeaders(wire: BatchWire, batch: Outgoing, close: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    [Header.producerId]: wire.producerId,
    [Header.producerEpoch]: String(batch.epoch),
    [Header.producerSeq]: String(batch.seq),
  };
  if (batch.bodyBytes > 0) headers[Header.contentType] = wire.contentType;
  if (batch.bodyBytes > 0 && wire.compression === "gzip") headers["content-encoding"] = "gzip";
  if (close) headers[Header.closed] = "true";
  return headers;
}

/** The body as sent: none for an empty batch, compressed once and kept for retries. */
export async function batchBody(wire: BatchWire, batch: Outgoing): Promise<string | Uint8Array | undefined> {
  if (batch.bodyBytes === 0) return undefined;
  if (wire.compression !== "gzip") return batch.body;
  batch.wireBody ??= await gzip(batch.body);
  return batch.wireBody;
}

/** 200 is new data, 204 a duplicate of what the server already has; the append metadata if sent. */
export function answerOf(response: BufferedResponse): { duplicate: boolean; answer: BatchAnswer } {
  return {
    duplicate: response.status === 204,
    answer: {
      nextOffset: response.headers.get(Header.nextOffset) ?? undefined,
      seq: integerHeader(response.headers.get(Header.appendSeq)),
      timestamp: integerHeader(response.headers.get(Header.appendTime)),
    },
  };
}

function integerHeader(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
