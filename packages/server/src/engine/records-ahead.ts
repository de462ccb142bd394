/**
 * Records framed before they are asked for. A reader catching up in the records view asks next
 * for the chunk that starts where its last records ended; reading that chunk's bytes and index
 * entries and framing its records (a head and a value move per message, ~1 ms a 1 MiB chunk
 * here) while the last answer is on its way takes it off the reader's wait. Without it a
 * records catch-up ran at about a third of a plain one's rate (profiles/s10.md, round 5).
 *
 * A chunk framed ahead is the same answer a read made when it is taken would give, as long as:
 * - the bytes are the same: bytes below the tail never change except by compaction, which
 *   forgets the chunks framed ahead (compaction.ts); a read that retention passed
 *   answers 410 before it looks for one (records.ts);
 * - the read was not cut short by the tail, or the tail has not moved since (a read made now
 *   would hold the appends that came meanwhile);
 * - it was framed under the same `limit`.
 * The flags that depend on the tail (up to date, closed) are decided when it is taken. How many
 * are held, and for how long: store/held-ahead.ts.
 */
import { HeldAhead } from "../store/held-ahead.js";
import type { RecordsWriter } from "./records-writer.js";
import type { StreamState } from "./stream-state.js";

export interface FramedRecords {
  /** The body, its buffer given back by whoever takes it (or left to the collector). */
  readonly records: RecordsWriter;
  readonly start: number;
  readonly end: number;
  readonly limit: number;
  /** The tail the read of the bytes reached; undefined when the chunk's size cut it first. */
  readonly reachedTail: number | undefined;
}

const held = new HeldAhead<StreamState, FramedRecords>((framed, start) => framed.start === start);

/**
 * Chunks a catching-up reader has framed ahead of its request. One was not enough: the next
 * chunk's reads and framing often took longer than the last answer's way to the reader and
 * its next request, and the request waited for the rest (~1 ms of ~4 here).
 */
const FRAMED_AHEAD = 2;

/**
 * Frames the records of `stream` from `start` (`frame(start)`) ahead, then from where they end,
 * FRAMED_AHEAD chunks in all: those already held or being framed are followed, not framed
 * again, and none are begun when no place is free.
 */
export function frameAhead(
  stream: StreamState,
  start: number,
  frame: (start: number) => Promise<FramedRecords>,
  depth = FRAMED_AHEAD,
): void {
  if (depth === 0 || start >= stream.tail) return;
  void held
    .begin(stream, start, start, () => frame(start))
    ?.then((framed) => {
      if (framed) frameAhead(stream, framed.end, frame, depth - 1);
    });
}

/**
 * The records of `stream` from `start` under `limit`, if they were framed ahead and still are
 * what a read made now would answer; handed out once. Undefined: frame them now.
 */
export async function takeFramed(
  stream: StreamState,
  start: number,
  limit: number,
): Promise<FramedRecords | undefined> {
  const framed = await held.take(stream, start, start);
  if (framed === undefined) return undefined;
  const tailMoved = framed.reachedTail !== undefined && framed.reachedTail !== stream.tail;
  if (framed.limit === limit && !tailMoved) return framed;
  framed.records.release();
  return undefined;
}

/**
 * Drops every chunk framed ahead (or being framed): compaction changed a stream's stored bytes.
 * All, not only that stream's, because a fork's chunks hold its source's bytes; passes are rare
 * and only a few chunks (store/held-ahead.ts) are framed again.
 */
export function forgetFramed(): void {
  held.clear();
}
