/**
 * Where the last `count` messages of a stream begin, found by seq with point-in-time lookups
 * (`HEAD ?at=`, docs/extensions.md) instead of reading the stream: a message's seq grows with
 * its append time, so a search over time finds the latest message whose seq is at most the
 * one wanted, in a few dozen lookups however long the stream. Messages appended in the same
 * millisecond cannot be told apart by time; the read skips the few before the one wanted.
 */

/** What one lookup tells: the first message appended at or after a time. */
export interface SeqAt {
  offset: string;
  seq: number;
}

export type LookupAt = (time: number) => Promise<SeqAt>;

/** Where to read from, and the seq of the first message to print (those before it are skipped). */
export interface LastStart {
  offset: string;
  firstSeq: number;
}

/**
 * `nextSeq`: the stream's message count; `now`: a time to search from (recent messages are
 * near it). Finds the greatest time whose message has a seq at most `nextSeq - count`.
 */
export async function startOfLast(lookup: LookupAt, nextSeq: number, count: number, now: number): Promise<LastStart> {
  const target = Math.max(0, nextSeq - count);
  const earliest = await lookup(0);
  // Fewer messages retained than asked for: all of them.
  if (earliest.seq >= target) return { offset: earliest.offset, firstSeq: earliest.seq };
  // low: a time whose message is at or before the target; high: one whose message is after it.
  let low = 0;
  let high = now;
  let found = earliest;
  const atHigh = await lookup(high);
  if (atHigh.seq <= target) {
    // The server's clock runs ahead of ours: look later.
    found = atHigh;
    for (let step = 1; ; step *= 2) {
      low = high;
      high = low + step;
      const at = await lookup(high);
      if (at.seq > target) break;
      found = at;
    }
  } else {
    // Back from now in growing steps until a message at or before the target.
    for (let step = 1; high - step > 0; step *= 2) {
      const at = await lookup(high - step);
      if (at.seq <= target) {
        low = high - step;
        found = at;
        break;
      }
      high -= step;
    }
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    const at = await lookup(middle);
    if (at.seq <= target) {
      low = middle;
      found = at;
    } else {
      high = middle;
    }
  }
  return { offset: found.offset, firstSeq: target };
}
