/**
 * How many streams the database holds and how many bytes of stream data, for count() and
 * storedBytes(), which must answer at once. The figures are cached: this node's own creates,
 * removals, appends, trims and compactions adjust them as they commit, and a refresh from the
 * database (other nodes' changes) runs in the background when they are older than `maxAgeMs`.
 * A refresh during which this node changed something is dropped (it may or may not include
 * the change); the next one settles it.
 */
export type TotalsSource = () => Promise<{ streams: number; bytes: number }>;

export class CachedTotals {
  private streams = 0;
  private bytes = 0;
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private changes = 0;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly source: TotalsSource,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the figures from the database now. */
  async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const changes = this.changes;
      const started = this.now();
      try {
        const totals = await this.source();
        if (changes !== this.changes) return;
        this.streams = totals.streams;
        this.bytes = totals.bytes;
        this.refreshedAt = started;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  get count(): number {
    this.refreshIfStale();
    return this.streams;
  }

  get storedBytes(): number {
    this.refreshIfStale();
    return this.bytes;
  }

  /** This node committed a change: `streams` created (or removed, negative), `bytes` stored. */
  changed(streams: number, bytes: number): void {
    this.streams += streams;
    this.bytes += bytes;
    this.changes++;
  }

  private refreshIfStale(): void {
    if (this.now() - this.refreshedAt < this.maxAgeMs || this.refreshing) return;
    // A failed background refresh keeps the figures it had; the next ask tries again.
    this.refresh().catch(() => {});
  }
}
