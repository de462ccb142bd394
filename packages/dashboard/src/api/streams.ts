/**
 * Streams through the public API: the admin listing (pages of 100, prefix or bounded search)
 * and a stream handle from @rivulet/client for everything else (head, live tail, append,
 * fork, close, delete), carrying the session's token as a bearer header.
 */
import { DurableStream } from "@rivulet/client";
import type { StreamEntry } from "../lib/streams.js";
import { getJson } from "./http.js";
import { authHeaders } from "./session.js";

export const PAGE_SIZE = 100;

export interface StreamPage {
  readonly streams: StreamEntry[];
  readonly next: string | null;
  /** Streams the server looked at for a search (at most 10,000 per request). */
  readonly scanned?: number;
}

export interface ListQuery {
  readonly basePath: string;
  /** Streams whose name starts with this (a prefix of the name under the base path). */
  readonly prefix?: string | undefined;
  /** Streams whose path holds this text, any case (searched in bounded steps). */
  readonly search?: string | undefined;
  readonly after?: string | undefined;
}

export function listStreams(query: ListQuery): Promise<StreamPage> {
  return getJson<StreamPage>(`${query.basePath}/__ds/streams`, {
    prefix: `${query.basePath}/${query.prefix ?? ""}`,
    search: query.search || undefined,
    after: query.after,
    limit: PAGE_SIZE,
  });
}

/** The listing's entry for one stream (the first entry at or after its path, if it is that stream). */
export async function streamEntry(basePath: string, name: string): Promise<StreamEntry | undefined> {
  const path = `${basePath}/${name}`;
  const page = await getJson<StreamPage>(`${basePath}/__ds/streams`, { prefix: path, limit: 1 });
  return page.streams.find((entry) => entry.path === path);
}

/** The stream's URL on this page's server. */
export function streamUrl(basePath: string, name: string): string {
  return new URL(`${basePath}/${name.split("/").map(encodeURIComponent).join("/")}`, location.origin).href;
}

/** A client handle on the stream, same origin, authenticated per request with the session's token. */
export function streamHandle(basePath: string, name: string, contentType?: string): DurableStream {
  return new DurableStream({
    url: streamUrl(basePath, name),
    headers: () => authHeaders(),
    ...(contentType === undefined ? {} : { contentType }),
    retry: { maxRetries: 2 },
  });
}
