/**
 * A route: which requests it serves (method, path pattern, an optional predicate), what they
 * must be allowed to do (access), what admission holds for them (stream quota, live slot, early
 * JSON message check), and the handler. Features declare routes; the app's router and
 * admission chain (guards.ts) read these declarations, so no central switch names a feature.
 */

import type { Context } from "../context.js";
import type { HttpReply, HttpRequest } from "../exchange.js";
import type { AccessScope } from "../middleware/auth/config.js";

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "PATCH";

/** Values of `:name` and `*name` segments of the matched pattern, decoded. */
export type RouteParams = Readonly<Record<string, string>>;

export type RouteHandler = (request: HttpRequest, context: Context, params: RouteParams) => Promise<HttpReply>;

/** One scope a request needs on one path (stream paths and `__ds` resources alike). */
export interface Demand {
  readonly scope: AccessScope;
  readonly path: string;
}

/**
 * What a route's requests must be allowed to do: `open` (no credentials, e.g. health checks),
 * `authenticated` (any valid credential), a scope on the request path, or a computed list of
 * demands (a fork needs `write` on itself and `read` on its source). Demands that depend on the
 * body (a transaction needs `write` on every stream it names) come as a promise: they are
 * asked for only once the credential is valid, and the handler reads the same body.
 */
export type Access =
  | "open"
  | "authenticated"
  | AccessScope
  | ((request: HttpRequest, params: RouteParams) => readonly Demand[] | Promise<readonly Demand[]>);

export interface RouteSpec {
  readonly method: Method;
  /**
   * `/healthz` is absolute; anything else is relative to the base path: `__ds/streams`,
   * `__ds/subscriptions/:id/streams/*path`. `**` alone is every application stream path
   * (never one whose first segment is the reserved `__ds`, PROTOCOL §6).
   */
  readonly path: string;
  /** Label of the operation in logs and metrics, e.g. `append`, `sse`, `list`. */
  readonly operation: string;
  /** Among routes of one method and path, the first whose predicate holds serves the request. */
  readonly when?: (request: HttpRequest) => boolean;
  readonly access: Access;
  /** Stream paths the request names, checked against the path rules before access control. */
  readonly streamPaths?: (request: HttpRequest) => readonly string[];
  /** Holds a slot while the request runs: `stream` counts toward the stream cap, `live` toward the live caps. */
  readonly reserves?: "stream" | "live";
  /** The body may hold JSON messages: check their size before the handler reads it. */
  readonly jsonBody?: boolean;
  /** Exempt from the per-client rate limit (health probes). */
  readonly unmetered?: boolean;
  readonly handle: RouteHandler;
}
