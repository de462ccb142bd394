/** Caching headers (PROTOCOL §5.5, §10.1): Cache-Control values and ETags. */

export const NO_STORE = "no-store";
export const CACHEABLE_PUBLIC = "public, max-age=60, stale-while-revalidate=300";
export const CACHEABLE_PRIVATE = "private, max-age=60, stale-while-revalidate=300";

/**
 * ETag for a read of [start, end) (§10.1). It varies with closure (`:c`) so a client holding
 * the last chunk can never get a 304 that hides the EOF signal.
 */
export function readEtag(streamId: string, start: string, end: string, closed: boolean): string {
  return `"${streamId}:${start}:${end}${closed ? ":c" : ""}"`;
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
