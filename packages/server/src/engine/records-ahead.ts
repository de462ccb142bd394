/**
 * Records framed before they are asked for. A reader catching up in the records view asks next
 * for the chunk that starts where its last records ended; reading that chunk's bytes and index
 * entries and framing its records (a head and a value move per message, ~1 ms a 1 MiB chunk
 * here) while the last answer is on its way takes it off the reader's wait (how many chunks
 * ahead: records.ts). Without it a
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

export { MAX_HELD } from "../store/held-ahead.js";

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
 * Starts `frame`, the records of `stream` from `start`, unless they are held or no place is
 * free; the records held for `start` (framed now or before), undefined when none are.
 */
export function beginFramed(
  stream: StreamState,
  start: number,
  frame: () => Promise<FramedRecords>,
): Promise<FramedRecords | undefined> | undefined {
  return held.begin(stream, start, start, frame);
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
  if (framed.limit === limit && (framed.reachedTail ?? stream.tail) === stream.tail) return framed;
  framed.records.release();
  return undefined;
}

/**
 * Drops every chunk framed ahead (or being framed): compaction changed a stream's stored bytes.
 * All, not only that stream's, because a fork's chunks hold its source's bytes; passes are rare
 * and at most MAX_HELD chunks are framed again.
 */
export function forgetFramed(): void {
  held.clear();
}
