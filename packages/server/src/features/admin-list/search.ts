/**
 * The listing's pages: plain (a page of the store's ordered listing) or searched (paths holding
 * a text, case-insensitively). A search scans the ordered listing from `after`, a chunk at a
 * time, and stops at `limit` matches or `scanLimit` streams scanned, whichever comes first, so
 * one request costs the same at a hundred streams or a million; `next` says where the next
 * request continues.
 */
import type { Engine } from "../../engine/engine.js";
import type { StoredStream } from "../../store/types.js";

export interface PageQuery {
  readonly prefix: string;
  readonly after: string | undefined;
  readonly limit: number;
  readonly search: string | undefined;
}

export interface Page {
  readonly streams: StoredStream[];
  /** Continue after this path; null when the listing (or the search) reached its end. */
  readonly next: string | null;
  /** Streams looked at to answer (equal to the page's length without a search). */
  readonly scanned: number;
}

const CHUNK = 1000;

export async function listPage(engine: Engine, query: PageQuery, scanLimit: number): Promise<Page> {
  if (query.search === undefined) {
    // Internal streams (features' state) are never listed: a page may be short and still have a `next`.
    const page = await engine.list(query.prefix, query.after, query.limit);
    return { streams: page.streams, next: page.next ?? null, scanned: page.streams.length };
  }
  const needle = query.search.toLowerCase();
  const streams: StoredStream[] = [];
  let after = query.after;
  let scanned = 0;
  while (scanned < scanLimit) {
    const size = Math.min(CHUNK, scanLimit - scanned);
    // A chunk may come back short of what was asked (the engine leaves expired and internal
    // streams out), so only its `next` says whether the listing goes on.
    const chunk = await engine.list(query.prefix, after, size);
    for (const [index, stream] of chunk.streams.entries()) {
      after = stream.meta.path;
      if (!stream.meta.path.toLowerCase().includes(needle)) continue;
      streams.push(stream);
      if (streams.length === query.limit) return { streams, next: after, scanned: scanned + index + 1 };
    }
    scanned += size;
    if (chunk.next === undefined) return { streams, next: null, scanned };
    after = chunk.next;
  }
  return { streams, next: after ?? null, scanned };
}
