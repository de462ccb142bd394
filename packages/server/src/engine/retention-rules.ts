/**
 * What retention may drop (docs/extensions.md, "Retention"), as pure rules every store shares:
 * stores only persist the earliest position and drop whole units below it.
 *
 * - Age: messages appended longer than `ms` ago may go: everything before the first message
 *   appended at or after now - ms.
 * - Size: the head may go while at least `bytes` remain.
 * - Either setting lets data go (whichever allows more), and neither goes past the tail.
 * - Forks pin what they read (PROTOCOL §4.2): see pinOf.
 * - The earliest position is always where an index entry starts (an append, or a message inside
 *   a large JSON append): a message boundary, so every read from it is whole messages, and the
 *   seq of every retained message stays known.
 */
import type { Retention } from "@rivulet/protocol";

/** The position below which retention lets data go; undefined when the stream keeps everything. */
export function retentionLimit(
  tail: number,
  retention: Retention,
  firstRecent: number | undefined,
): number | undefined {
  const limits: number[] = [];
  if (retention.ms !== undefined && firstRecent !== undefined) limits.push(firstRecent);
  if (retention.bytes !== undefined) limits.push(tail - retention.bytes);
  if (limits.length === 0) return undefined;
  return Math.min(tail, Math.max(...limits));
}

/** A stream as retention sees its forks: where it is forked from, and the lowest position it (or a fork of it) still reads. */
export interface ForkNeed {
  readonly position: number;
  readonly need: number;
}

/**
 * The lowest position a stream must keep for its forks (PROTOCOL §4.2): a fork reads its
 * source below its fork position, from its own earliest position, or from wherever a fork of
 * it reads. A fork whose reads no longer reach below its fork position pins nothing. Undefined
 * when nothing is pinned.
 */
export function pinOf(forks: readonly ForkNeed[]): number | undefined {
  let pin: number | undefined;
  for (const fork of forks) if (fork.need < fork.position) pin = Math.min(pin ?? fork.need, fork.need);
  return pin;
}

/**
 * The unit boundary a retention trim should stop at: the highest unit end whose first message
 * boundary (`firstAt`) is still within `limit`; its position, or undefined when no whole unit
 * can go. Units are tried from the farthest, so one trim frees as many as it may.
 */
export async function unitTrimPoint(
  unitEnds: readonly number[],
  limit: number,
  firstAt: (position: number) => Promise<number | undefined>,
): Promise<number | undefined> {
  for (let i = unitEnds.length - 1; i >= 0; i--) {
    if (unitEnds[i]! > limit) continue;
    const boundary = await firstAt(unitEnds[i]!);
    if (boundary !== undefined && boundary <= limit) return boundary;
  }
  return undefined;
}
