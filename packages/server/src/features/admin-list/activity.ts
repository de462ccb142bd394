/**
 * What the listing knows about each stream's recent writes, from the engine's event feed:
 * when it was last written, how many messages it holds (known only for streams created while
 * this server ran), and its message rate. Bounded: the most recently written streams are kept
 * (an insertion-ordered Map used as an LRU), so a million streams cost at most `capacity`
 * entries. Costs a Map lookup per append; nothing is persisted.
 *
 * An entry is moved to the young end only once it has aged past half the capacity, not on
 * every append: V8 keeps a deleted Map entry in its bucket's chain until the table is rebuilt,
 * so deleting and re-adding one hot key at every append grew that chain by one per append, and
 * with 10,000 streams known (a rebuild every ~20,000 re-adds) each lookup walked thousands of
 * dead entries: a quarter of the server's CPU under scenario 1 (bench/results/profiles/s1.md).
 * An entry younger than half the capacity is far from eviction, so the order stays good enough.
 */

/** The rate is an exponentially decayed count: a steady r messages/s reads as r after a few τ. */
const RATE_TAU_MS = 10_000;

export interface Activity {
  /** ms since the epoch of the last append, or undefined when none was seen. */
  readonly lastWriteAt: number | undefined;
  /** Messages in the stream, when this server saw it created; otherwise undefined. */
  readonly messages: number | undefined;
  /** Messages per second, decayed over about ten seconds. */
  readonly messagesPerSecond: number;
}

interface Entry {
  /** When it was put at the young end, counted in puts (`ActivityTable.puts`). */
  putAt: number;
  lastWriteAt: number | undefined;
  messages: number;
  exact: boolean;
  rate: number;
  rateAt: number;
}

/**
 * A stream created here and never written since: exact (zero messages), no rate. Shared by
 * every such stream, so an idle stream costs the listing only its Map slot.
 */
const CREATED: Readonly<Entry> = Object.freeze({
  putAt: 0,
  lastWriteAt: undefined,
  messages: 0,
  exact: true,
  rate: 0,
  rateAt: 0,
});

export class ActivityTable {
  private readonly entries = new Map<string, Entry | Readonly<Entry>>();
  /** Entries put at the young end so far. */
  private puts = 0;

  constructor(
    private readonly now: () => number,
    private readonly capacity = 65_536,
  ) {}

  created(path: string): void {
    this.put(path, CREATED);
  }

  appended(path: string, messages: number): void {
    const now = this.now();
    const found = this.entries.get(path);
    const entry: Entry =
      found === undefined || found === CREATED
        ? { putAt: 0, lastWriteAt: undefined, messages: 0, exact: found === CREATED, rate: 0, rateAt: now }
        : (found as Entry);
    entry.rate = decay(entry, now) + (messages * 1000) / RATE_TAU_MS;
    entry.rateAt = now;
    entry.messages += messages;
    entry.lastWriteAt = now;
    if (entry !== found || this.puts - entry.putAt >= this.capacity / 2) entry.putAt = this.put(path, entry);
  }

  deleted(path: string): void {
    this.entries.delete(path);
  }

  of(path: string): Activity | undefined {
    const entry = this.entries.get(path);
    if (!entry) return undefined;
    return {
      lastWriteAt: entry.lastWriteAt,
      messages: entry.exact ? entry.messages : undefined,
      messagesPerSecond: decay(entry, this.now()),
    };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Moves the entry to the young end (the oldest one goes when over capacity); returns its put count. */
  private put(path: string, entry: Entry | Readonly<Entry>): number {
    this.entries.delete(path);
    this.entries.set(path, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return ++this.puts;
  }
}

function decay(entry: Readonly<Entry>, now: number): number {
  return entry.rate * Math.exp(-Math.max(0, now - entry.rateAt) / RATE_TAU_MS);
}
