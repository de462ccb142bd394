/**
 * Reads begun before they are asked for. A reader catching up asks for one chunk after another,
 * each starting where the last answer ended; reading the next chunk while the last one is on
 * its way to the client hides the read (two thread-pool round trips: data and checksums) from
 * the client's wait, which is what a catch-up read spends most of its time on.
 *
 * Bytes below a stream's tail never change, except when compaction rewrites a segment: the data
 * files forget a stream's reads ahead at that moment. A read that retention overtook is no
 * answer either: the caller checks retention again when it takes one. Each read ahead is handed
 * out once (it may sit in a pooled buffer the reply gives back), and only for exactly its range.
 * How many are held, and for how long: store/held-ahead.ts.
 */
import { HeldAhead } from "../held-ahead.js";
import type { Entry } from "./catalog.js";

export { MAX_HELD, STALE_MS } from "../held-ahead.js";

export class ReadAhead extends HeldAhead<Entry, Uint8Array> {
  constructor(now?: () => number) {
    super((held, start, end) => held.start === start && held.end === end, now);
  }
}
