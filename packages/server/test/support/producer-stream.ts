/** Stored streams written by one idempotent producer, for tests that decide appends against them. */
import type { ProducerState } from "@rivulet/protocol";
import type { StoredStream, StreamMeta } from "../../src/store/types.js";

/** A text stream at `path` created at `createdAt`. */
export function textStreamMeta(path: string, createdAt: number): StreamMeta {
  return { path, contentType: "text/plain", lifetime: {}, createdAt, retention: {} };
}

/** The stream as stored after producer "p" (epoch 0) wrote seqs 0..lastSeq, one byte each, at `ts`. */
export function storedAfterSeq(meta: StreamMeta, lastSeq: number, ts: number): StoredStream {
  const producers = new Map<string, ProducerState>([["p", { epoch: 0, lastSeq }]]);
  return {
    meta,
    tail: lastSeq + 1,
    earliest: 0,
    nextSeq: lastSeq + 1,
    lastTs: ts,
    closed: false,
    closedBy: undefined,
    lastStreamSeq: undefined,
    producers,
    softDeleted: false,
    forks: 0,
  };
}
