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
    const page = await engine.list(query.prefix, query.after, query.limit + 1);
    const more = page.length > query.limit;
    const streams = page.slice(0, query.limit);
    return { streams, next: more ? streams[streams.length - 1]!.meta.path : null, scanned: streams.length };
  }
  const needle = query.search.toLowerCase();
  const streams: StoredStream[] = [];
  let after = query.after;
  let scanned = 0;
  while (scanned < scanLimit) {
    // A chunk may come back short of what was asked (the engine leaves expired streams out),
    // so only an empty one ends the listing.
    const chunk = await engine.list(query.prefix, after, Math.min(CHUNK, scanLimit - scanned));
    if (chunk.length === 0) return { streams, next: null, scanned };
    for (const stream of chunk) {
      scanned++;
      after = stream.meta.path;
      if (stream.meta.path.toLowerCase().includes(needle)) streams.push(stream);
      if (streams.length === query.limit) return { streams, next: after, scanned };
    }
  }
  return { streams, next: after ?? null, scanned };
}
