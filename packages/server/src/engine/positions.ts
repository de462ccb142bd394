/**
 * Seqs and times of positions in a stream as a reader sees it: its own append index, and for
 * positions a fork inherited, its source's (PROTOCOL §4.2: forks share their source's offset
 * space, so they share its seqs and times too). Every lookup is a binary search in an index
 * (store.seek) plus, inside a large JSON append, a read of at most one index interval.
 */
import { isJsonContentType, ProtocolError } from "@rivulet/protocol";
import { countMessages } from "../store/append-index.js";
import type { IndexEntry, IndexKey } from "../store/types.js";
import { readRange, type StreamReads } from "./reader.js";
import type { StreamState } from "./stream-state.js";

/** What lookups need of the engine: reads, and the stream's own index. */
export interface IndexReads extends StreamReads {
  seekStored(stream: StreamState, key: IndexKey, limit: number): Promise<IndexEntry[]>;
}

/** A message position in a reader's view of a stream. */
export interface MessageAt {
  readonly position: number;
  readonly seq: number;
  /** Append time; undefined at the tail (no message there yet). */
  readonly ts: number | undefined;
}

/**
 * The seq of the first message that starts at or after `position` (the number of messages
 * before it), and the append time of the append that holds `position` (the stream's last
 * time at the tail). `position` must be a message boundary on JSON streams.
 */
export async function messageAt(
  engine: IndexReads,
  stream: StreamState,
  position: number,
  /** The stream's own last index entry at or before `position`, when the caller has it already. */
  known?: IndexEntry,
): Promise<MessageAt> {
  if (position >= stream.tail) return { position: stream.tail, seq: stream.nextSeq, ts: undefined };
  if (position < stream.base && stream.meta.fork) {
    return messageAt(engine, await source(engine, stream), position);
  }
  const [floor] = known && known.position <= position ? [known] : await engine.seekStored(stream, { position }, 1);
  if (!floor || floor.position > position) {
    // Nothing of its own at or before `position`: a fork right at its fork position.
    return { position, seq: stream.meta.inherited?.seq ?? 0, ts: stream.meta.inherited?.ts };
  }
  if (floor.position === position) return { position, seq: floor.seq, ts: floor.ts };
  if (!isJsonContentType(stream.contentType)) return { position, seq: floor.seq + 1, ts: floor.ts };
  const between = await readRange(engine, stream, floor.position, position);
  let seq = floor.seq;
  for (const part of between) seq += countMessages(part);
  if (between.at(-1)?.at(-1) !== 0x0a) {
    throw new ProtocolError("INVALID_OFFSET", "The offset is not at a message boundary");
  }
  return { position, seq, ts: floor.ts };
}

/**
 * The first message appended at or after `time` in what a reader of `stream` can read (from
 * its earliest position), or the tail when there is none.
 */
export async function firstAtOrAfter(engine: IndexReads, stream: StreamState, time: number): Promise<MessageAt> {
  const found = await firstBefore(engine, stream, time, stream.tail);
  if (!found) return { position: stream.tail, seq: stream.nextSeq, ts: undefined };
  if (found.position >= stream.earliest) return found;
  // Times never decrease, so every message from the earliest on is at or after `time` too.
  return messageAt(engine, stream, stream.earliest);
}

/** The first message at or after `time` that starts before `end`, inherited ones first. */
async function firstBefore(
  engine: IndexReads,
  stream: StreamState,
  time: number,
  end: number,
): Promise<MessageAt | undefined> {
  if (stream.meta.fork && stream.earliest < stream.base) {
    const inherited = await firstBefore(engine, await source(engine, stream), time, stream.base);
    if (inherited) return inherited;
  }
  const [entry] = await engine.seekStored(stream, { ts: time }, 1);
  return entry && entry.position < end ? entry : undefined;
}

export async function source(engine: StreamReads, fork: StreamState): Promise<StreamState> {
  const path = fork.meta.fork!.source;
  const found = await engine.stream(path);
  if (!found) throw new ProtocolError("INTERNAL", `Fork source ${path} is missing`);
  return found;
}
