/** Caching headers (PROTOCOL §5.5, §10.1): Cache-Control values and ETags. */

export const NO_STORE = "no-store";
export const CACHEABLE_PUBLIC = "public, max-age=60, stale-while-revalidate=300";
export const CACHEABLE_PRIVATE = "private, max-age=60, stale-while-revalidate=300";

/** Where a read's chunk ends: before the tail, at it, or at the final offset of a closed stream. */
export interface ChunkEdge {
  readonly upToDate: boolean;
  readonly closed: boolean;
}

/**
 * ETag for a read of [start, end) (§10.1). A 304 keeps the headers a cache stored with the
 * earlier response unless it repeats them, so the tag must change whenever those would: with
 * closure (`:c`), so a 304 never hides EOF (§10.1 "ETag and Stream Closure"), and with reaching
 * the tail (`:t`), so a chunk that was the tail and no longer is cannot keep a cached
 * Stream-Up-To-Date: true through a 304 (a reader would stop early, taking it for caught up).
 */
export function readEtag(streamId: string, start: string, end: string, edge: ChunkEdge): string {
  const mark = edge.closed ? ":c" : edge.upToDate ? ":t" : "";
  return `"${streamId}:${start}:${end}${mark}"`;
}

/** RFC 9110 §13.1.2 If-None-Match: `*` or a list of tags, compared weakly (W/ ignored). */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  const trimmed = ifNoneMatch.trim();
  if (trimmed === "*") return true;
  const wanted = stripWeak(etag);
  return trimmed.split(",").some((candidate) => stripWeak(candidate.trim()) === wanted);
}

function stripWeak(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}
