/**
 * The server's admin listing, `GET {root}/__ds/streams?prefix=&after=&limit=`, a page at a
 * time. The client library speaks only the stream protocol, so this is a plain fetch; its
 * failures are reported as StreamErrors with the same codes, so they print and exit alike.
 */
import { StreamError, type StreamErrorCode } from "@rivulet/client";
import { logEvent } from "../connection.js";

export interface ListedStream {
  path: string;
  contentType: string;
  nextOffset: string;
  bytes: number;
  closed: boolean;
  deleted: boolean;
  createdAt: string;
  ttlSeconds: number | null;
  expiresAt: string | null;
  forkedFrom: string | null;
  forks: number;
}

interface ListPage {
  streams: ListedStream[];
  next: string | null;
}

export interface ListRequest {
  root: URL;
  /** A full path prefix, as the server sees paths (decoded). */
  prefix: string;
  pageSize: number;
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  verbose: boolean;
}

/** Pages of the listing in path order, following `next` until the server says there is no more. */
export async function* listStreams(request: ListRequest): AsyncGenerator<ListedStream[]> {
  let after: string | null = null;
  do {
    const url = new URL(`${request.root.pathname}/__ds/streams`, request.root);
    url.searchParams.set("prefix", request.prefix);
    url.searchParams.set("limit", String(request.pageSize));
    if (after !== null) url.searchParams.set("after", after);
    const page = await fetchPage(url.toString(), request);
    yield page.streams;
    after = page.next;
  } while (after !== null);
}

async function fetchPage(url: string, request: ListRequest): Promise<ListPage> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetchPageOnce(url, request);
    } catch (error) {
      if (!(error instanceof StreamError && error.isRetryable) || attempt >= request.retries) throw error;
      const delayMs = 100 * 2 ** attempt;
      if (request.verbose) logEvent({ type: "reconnect", url, attempt: attempt + 1, delayMs, error });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

async function fetchPageOnce(url: string, request: ListRequest): Promise<ListPage> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  let response: Response;
  try {
    response = await fetch(url, { headers: request.headers, signal: AbortSignal.timeout(request.timeoutMs) });
  } catch (cause) {
    const timedOut = cause instanceof DOMException && cause.name === "TimeoutError";
    const error = new StreamError(
      timedOut ? "TIMEOUT" : "NETWORK",
      timedOut ? `Request to ${url} timed out` : `Network error talking to ${url}: ${networkDetail(cause)}`,
      { url, cause },
    );
    if (request.verbose) logEvent({ type: "request:error", method: "GET", url, error, durationMs: elapsed() });
    throw error;
  }
  if (request.verbose)
    logEvent({ type: "request:end", method: "GET", url, status: response.status, durationMs: elapsed() });
  const text = await response.text();
  if (!response.ok) throw listingError(url, response, text);
  return parsePage(url, text);
}

function listingError(url: string, response: Response, text: string): StreamError {
  const { status } = response;
  const serverMessage = errorMessage(text);
  const code: StreamErrorCode =
    status === 401
      ? "UNAUTHORIZED"
      : status === 403
        ? "FORBIDDEN"
        : status === 404
          ? "NOT_FOUND"
          : status === 429
            ? "RATE_LIMITED"
            : status >= 500
              ? "SERVER_ERROR"
              : "BAD_REQUEST";
  const hint = status === 404 ? " (is --url the stream root of a Rivulet server?)" : "";
  const message = `Listing failed${serverMessage ? `: ${serverMessage}` : ""} (${status})${hint}`;
  return new StreamError(code, message, { url, status });
}

function errorMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    return typeof body.error?.message === "string" ? body.error.message : undefined;
  } catch {
    return undefined;
  }
}

function parsePage(url: string, text: string): ListPage {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new StreamError("PARSE_ERROR", "The listing is not JSON", { url, cause });
  }
  const page = body as Partial<ListPage> | null;
  if (!page || !Array.isArray(page.streams) || !(page.next === null || typeof page.next === "string")) {
    throw new StreamError("PARSE_ERROR", "The listing lacks streams or next", { url });
  }
  return page as ListPage;
}

function networkDetail(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  return typeof cause?.code === "string" ? `${error.message} (${cause.code})` : error.message;
}
