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
 * checked by the read itself before it uses them. Only a few are held, each handed out once; when
 * all places are taken by fresh ones a new one is not begun (see read-ahead.ts for why).
 */
import type { IndexEntry } from "../store/types.js";
import type { StreamState } from "./stream-state.js";

export const MAX_HELD = 8;
/** A lookup held this long without being taken gives way to a new one. */
const STALE_MS = 2_000;

interface Held {
  readonly stream: StreamState;
  readonly start: number;
  /** The entries cover [start, end). */
  readonly end: number;
  readonly at: number;
  /** Undefined when the lookup failed: the taker looks up again and meets the failure itself. */
  readonly entries: Promise<IndexEntry[] | undefined>;
}

let held: Held[] = [];

/** Starts `lookup` of the entries covering [start, end) of `stream`, unless one is held or no place is free. */
export function beginEntries(
  stream: StreamState,
  start: number,
  end: number,
  lookup: () => Promise<IndexEntry[]>,
): void {
  if (held.some((h) => h.stream === stream && h.start === start)) return;
  const at = performance.now();
  if (held.length >= MAX_HELD) {
    if (held[0]!.at > at - STALE_MS) return;
    held.shift();
  }
  const entries = lookup().then(
    (found) => found,
    () => undefined,
  );
  held.push({ stream, start, end, at, entries });
}

/**
 * The entries covering [start, end) of `stream` (the last at or before `start`, then every one
 * before `end`) if a lookup of them was begun; handed out once. Undefined: look them up.
 */
export async function takeEntries(stream: StreamState, start: number, end: number): Promise<IndexEntry[] | undefined> {
  const index = held.findIndex((h) => h.stream === stream && h.start === start);
  if (index < 0) return undefined;
  const [taken] = held.splice(index, 1);
  // The chunk grew past what was looked up (one message larger than a chunk).
  if (taken!.end < end) return undefined;
  const entries = await taken!.entries;
  return entries?.filter((entry) => entry.position < end);
}

/** Forgets every lookup held (tests). */
export function forgetEntries(): void {
  held = [];
}
