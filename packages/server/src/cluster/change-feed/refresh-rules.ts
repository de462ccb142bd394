/**
 * Which notices are worth a store read on the node that hears them. Pure: no I/O.
 *
 * A node re-reads a stream it holds in memory when a notice says the stream is ahead of what it
 * holds (a later tail, a closure) or is another stream now (deleted, re-created, trimmed).
 * With fresh reads on (Engine `verifyReads`), every read checks the store anyway, so only
 * streams live readers wait on are re-read: the notice is what wakes those readers.
 */
import type { StreamChange } from "./types.js";

/** What a node holds of a stream: its visible tail and closure, and whether live readers read it. */
export interface HeldStream {
  readonly tail: number;
  readonly closed: boolean;
  readonly live: boolean;
}

export function needsRefresh(change: StreamChange, held: HeldStream | undefined, verifyReads: boolean): boolean {
  if (!held) return false;
  if (verifyReads && !held.live) return false;
  if (change.deleted || change.created || change.trimmed) return true;
  return change.tail > held.tail || (change.closed === true && !held.closed);
}
