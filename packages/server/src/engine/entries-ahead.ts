/**
 * Index entries looked up before a records read asks for them. A records read needs the append
 * index entries of its chunk (seqs and times), and looking them up is a binary search and a few
 * pages of index file reads, one after another: thread-pool round trips that a plain read does
 * not make and that the data read-ahead (store/file/read-ahead.ts) does not hide. A reader
 * catching up asks next for the chunk starting where its last records ended, so that chunk's
 * entries are looked up while the last answer is on its way, as its bytes are read.
 *
 * Entries never change once written (an append's position, seq and time stay what they were;
 * compaction keeps offsets), so a lookup taken a little later is still right. Retention is
 * checked by the read itself before it uses them. How many are held: store/held-ahead.ts.
 */
import { HeldAhead } from "../store/held-ahead.js";
import type { IndexEntry } from "../store/types.js";
import type { StreamState } from "./stream-state.js";

export { MAX_HELD } from "../store/held-ahead.js";

/** A lookup serves a chunk with its start that ends within the range looked up. */
const held = new HeldAhead<StreamState, IndexEntry[]>(
  (looked, start, end) => looked.start === start && end <= looked.end,
);

/** Starts `lookup` of the entries covering [start, end) of `stream`, unless one is held or no place is free. */
export function beginEntries(
  stream: StreamState,
  start: number,
  end: number,
  lookup: () => Promise<IndexEntry[]>,
): void {
  held.begin(stream, start, end, lookup);
}

/**
 * The entries covering [start, end) of `stream` (the last at or before `start`, then every one
 * before `end`) if a lookup of them was begun; handed out once. Undefined: look them up.
 */
export async function takeEntries(stream: StreamState, start: number, end: number): Promise<IndexEntry[] | undefined> {
  const entries = await held.take(stream, start, end);
  return entries?.filter((entry) => entry.position < end);
}

/** Forgets every lookup held (tests). */
export function forgetEntries(): void {
  held.clear();
}
