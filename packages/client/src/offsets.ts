/** Offsets as clients may use them (PROTOCOL §8): opaque, but sortable and with two sentinels. */
import { OFFSET_BEGINNING, OFFSET_NOW } from "@rivulet/protocol";

export { OFFSET_BEGINNING, OFFSET_NOW };

/**
 * Orders two offsets of the same stream (§8: lexicographic order is stream order). The
 * sentinels sort by meaning: `-1` before everything, `now` after everything.
 */
export function compareOffsets(a: string, b: string): number {
  if (a === b) return 0;
  if (a === OFFSET_BEGINNING || b === OFFSET_NOW) return -1;
  if (b === OFFSET_BEGINNING || a === OFFSET_NOW) return 1;
  return a < b ? -1 : 1;
}
