/**
 * Stream paths in order, for listings at any scale (a page of a million streams must not sort
 * a million paths). The sorted array is brought up to date lazily, at the next listing: paths
 * added since are sorted on their own and merged in, O(k log k + n) instead of a full sort;
 * removed paths stay until a sweep and are skipped as they are met (the owner says which
 * paths exist). A sweep runs when removals could be a quarter of the array, so skipping
 * stays cheap. Pure: no I/O.
 */
export class PathIndex {
  private sorted: string[] = [];
  private added: string[] = [];
  private removals = 0;

  /** @param exists whether a path is (still) held by the owner */
  constructor(private readonly exists: (path: string) => boolean) {}

  add(path: string): void {
    this.added.push(path);
  }

  /** A path was removed; the owner's `exists` now says so. */
  removed(): void {
    this.removals++;
  }

  /** Paths starting with `prefix`, after `after`, in order, at most `limit`. */
  page(prefix: string, after: string | undefined, limit: number): string[] {
    this.settle();
    const sorted = this.sorted;
    const from = after === undefined || after < prefix ? prefix : after;
    let at = lowerBound(sorted, from);
    if (after !== undefined && sorted[at] === after) at++;
    const page: string[] = [];
    for (; at < sorted.length && page.length < limit; at++) {
      const path = sorted[at]!;
      if (!path.startsWith(prefix)) break;
      if (this.exists(path)) page.push(path);
    }
    return page;
  }

  private settle(): void {
    const sweep = this.removals > 0 && this.removals * 4 >= this.sorted.length;
    if (this.added.length === 0 && !sweep) return;
    const added = this.added.sort();
    this.added = [];
    this.sorted = merge(this.sorted, added, sweep ? this.exists : undefined);
    if (sweep) this.removals = 0;
  }
}

/** Two sorted arrays as one, without duplicates; with `keep`, only the paths it keeps. */
function merge(a: readonly string[], b: readonly string[], keep: ((path: string) => boolean) | undefined): string[] {
  if (b.length === 0 && keep === undefined) return a as string[];
  if (keep === undefined && b.length <= FEW) return insertFew(a, b);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  let last: string | undefined;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (next === last || (keep !== undefined && !keep(next))) continue;
    out.push(next);
    last = next;
  }
  return out;
}

/** Below this many new paths, the old array is copied in slices between them (native copies, no per-path compare). */
const FEW = 1024;

function insertFew(a: readonly string[], b: readonly string[]): string[] {
  const parts: (readonly string[])[] = [];
  let from = 0;
  let last: string | undefined;
  for (const path of b) {
    if (path === last) continue;
    last = path;
    const at = lowerBound(a, path, from);
    parts.push(a.slice(from, at));
    from = at;
    if (a[at] !== path) parts.push([path]);
  }
  parts.push(a.slice(from));
  return ([] as string[]).concat(...parts);
}

function lowerBound(sorted: readonly string[], value: string, from = 0): number {
  let low = from;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
