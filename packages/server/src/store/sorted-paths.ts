/**
 * Stream paths in order, for listings by prefix (`Store.list`): sorted on the first listing
 * after a create or removal, then paged by binary search, so a listing costs its page and not
 * a pass over every stream (subscriptions list by a pattern's prefix at every creation).
 */
export class SortedPaths {
  private sorted: string[] | undefined;

  constructor(private readonly paths: () => Iterable<string>) {}

  /** A path was added or removed. */
  changed(): void {
    this.sorted = undefined;
  }

  /** Paths starting with `prefix`, after `after`, in order, at most `limit`. */
  page(prefix: string, after: string | undefined, limit: number): string[] {
    this.sorted ??= [...this.paths()].sort();
    const from = after === undefined || after < prefix ? prefix : after;
    let at = lowerBound(this.sorted, from);
    if (after !== undefined && this.sorted[at] === after) at++;
    const page: string[] = [];
    for (; at < this.sorted.length && page.length < limit; at++) {
      const path = this.sorted[at]!;
      if (!path.startsWith(prefix)) break;
      page.push(path);
    }
    return page;
  }
}

/** First index whose value is not below `value`. */
function lowerBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
