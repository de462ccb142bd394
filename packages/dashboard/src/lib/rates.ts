/**
 * Message rates from two looks at counters (a topic's partitions' next seq, say): how many
 * messages a second each gained between them. Pure.
 */

export interface Counted {
  /** When the counters were read, ms. */
  readonly at: number;
  readonly counts: ReadonlyMap<string, number>;
}

/** Messages per second per key between `before` and `after`; null for a key `before` lacks (or a counter that went back). */
export function ratesBetween(before: Counted | undefined, after: Counted): Map<string, number | null> {
  const rates = new Map<string, number | null>();
  const seconds = before === undefined ? 0 : (after.at - before.at) / 1000;
  for (const [key, count] of after.counts) {
    const earlier = before?.counts.get(key);
    rates.set(key, earlier === undefined || seconds <= 0 || count < earlier ? null : (count - earlier) / seconds);
  }
  return rates;
}
