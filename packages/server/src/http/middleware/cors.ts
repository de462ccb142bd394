/** CORS: which origins may call, preflight answers, and which headers browsers may read. */
import { EXPOSED_HEADERS } from "@rivulet/protocol";
import type { HttpReply, HttpRequest } from "../exchange.js";
import type { SharedHeaders } from "../shared-headers.js";

// PATCH: the admin settings route (docs/extensions.md, "Retention").
const ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOWED_HEADERS = [
  "content-type",
  "authorization",
  "if-none-match",
  "stream-ttl",
  "stream-expires-at",
  "stream-seq",
  "stream-closed",
  "stream-forked-from",
  "stream-fork-offset",
  "stream-fork-sub-offset",
  "producer-id",
  "producer-epoch",
  "producer-seq",
  "producer-partitions",
  "produce-answer",
  // Extensions (docs/extensions.md).
  "stream-retention-ms",
  "stream-retention-bytes",
  "stream-expected-offset",
  "stream-expected-seq",
  // Compressed request bodies (adapters/request-body.ts).
  "content-encoding",
].join(", ");
// WWW-Authenticate tells a browser client why a 401/403 happened (docs/security.md).
const EXPOSED = [...EXPOSED_HEADERS, "www-authenticate"];
const EXPOSE = EXPOSED.join(", ");
const EXPOSE_HEADER = "access-control-expose-headers";

/** Methods whose answers a cache may store and hand to another client (RFC 9111 §3). */
const READS = new Set(["GET", "HEAD"]);

export class Cors {
  constructor(private readonly origins: "*" | readonly string[]) {}

  /** The preflight reply, without credentials checks (browsers send none on preflight). */
  preflight(request: HttpRequest): HttpReply {
    const headers = this.originHeaders(request);
    headers["access-control-allow-methods"] = ALLOWED_METHODS;
    headers["access-control-allow-headers"] = request.header("access-control-request-headers") ?? ALLOWED_HEADERS;
    headers["access-control-max-age"] = "86400";
    return { status: 204, headers };
  }

  /**
   * CORS headers that do not depend on the origin (any origin allowed). `request` is absent for
   * headers shared by a fan-out's readers. An append, create or delete without `Origin` gets
   * none: browsers send `Origin` with every such request (Fetch, "origin header"), and its
   * answer is never stored by a cache for a browser to reuse; that is ~500 bytes less on every
   * append answer. Reads keep them whatever the request: a CDN may serve the answer to a browser.
   */
  decorateCommon(headers: Record<string, string>, request: HttpRequest | undefined): void {
    if (this.origins !== "*") return;
    if (request && !READS.has(request.method) && request.header("origin") === undefined) return;
    headers["access-control-allow-origin"] = "*";
    headers[EXPOSE_HEADER] = EXPOSE;
  }

  /**
   * Leaves in the expose list only the headers `headers` carries: a live session's head (SSE)
   * stays in memory for the connection's life, node:http keeps it, and a browser can read a
   * listed header only when the response has it (Fetch, "CORS-filtered response"),
   * so the rest of the list is held per subscriber for nothing: ~390 of an SSE head's ~910 B.
   * Call it once the headers are complete.
   */
  narrowExposed(headers: Record<string, string>): void {
    if (headers[EXPOSE_HEADER] !== undefined)
      headers[EXPOSE_HEADER] = exposedAmong((name) => headers[name] !== undefined);
  }

  /**
   * The same for a fan-out's shared header set (long-poll waiters woken by one append), given
   * the headers of its replies' own: node:http builds and checks each reply's head afresh, so
   * the full list costs ~390 B of allocation, validation and writing per waiter. A narrowed
   * answer is safe to store: it lists every exposed header it has. (A 304 that refreshes a
   * stored answer's headers, RFC 9111 §4.3.4, keeps the full list.)
   */
  narrowSharedExposed(shared: SharedHeaders, own: Record<string, string>): void {
    if (shared.get(EXPOSE_HEADER) === undefined) return;
    shared.set(
      EXPOSE_HEADER,
      exposedAmong((name) => shared.get(name) !== undefined || own[name] !== undefined),
    );
  }

  /** CORS headers that depend on the request's origin (a list of allowed origins). */
  decorateOwn(request: HttpRequest, headers: Record<string, string>): void {
    if (this.origins !== "*") Object.assign(headers, this.originHeaders(request));
  }

  private originHeaders(request: HttpRequest): Record<string, string> {
    const origin = request.header("origin");
    if (this.origins === "*") return { "access-control-allow-origin": "*", [EXPOSE_HEADER]: EXPOSE };
    if (origin !== undefined && this.origins.includes(origin)) {
      return { "access-control-allow-origin": origin, [EXPOSE_HEADER]: EXPOSE, vary: "origin" };
    }
    return { vary: "origin" };
  }
}

/** The exposed headers a reply carries, as an expose list. */
function exposedAmong(carries: (name: string) => boolean): string {
  return EXPOSED.filter(carries).join(", ");
}
