/**
 * The route table: compiled patterns, matched by method and path. Pure (no I/O). Absolute
 * routes are looked up by exact path, or matched as patterns (`/ui/*rest`) when they have
 * params; base-relative routes split into the reserved `__ds` namespace (PROTOCOL §6: routed
 * before stream operations) and application streams.
 */
import type { HttpRequest } from "../exchange.js";
import type { Method, RouteParams, RouteSpec } from "./route.js";

/** PROTOCOL §6: the first stream-root-relative segment `__ds` is reserved for control APIs. */
export const RESERVED_SEGMENT = "__ds";

export type RouteMatch =
  | { readonly kind: "route"; readonly route: RouteSpec; readonly params: RouteParams }
  /** The path is served, but not with this method (or not with these headers/query). */
  | { readonly kind: "method"; readonly allowed: readonly Method[]; readonly reserved: boolean }
  | { readonly kind: "none" };

interface Compiled {
  readonly route: RouteSpec;
  readonly segments: readonly Segment[];
}

type Segment = { literal: string } | { param: string } | { rest: string };

const METHOD_ORDER: readonly Method[] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"];
const NONE: RouteMatch = { kind: "none" };
const NO_PARAMS: RouteParams = Object.freeze({});

export class Router {
  private readonly absolute = new Map<string, RouteSpec[]>();
  private readonly absolutePatterns: Compiled[] = [];
  private readonly reserved: Compiled[] = [];
  private readonly streams: RouteSpec[] = [];

  constructor(private readonly basePath: string) {}

  add(route: RouteSpec): void {
    if (route.path.startsWith("/")) {
      if (/\/[:*]/.test(route.path)) this.absolutePatterns.push({ route, segments: compile(route.path.slice(1)) });
      else push(this.absolute, route.path, route);
    } else if (route.path === "**") this.streams.push(route);
    else if (route.path.split("/", 1)[0] === RESERVED_SEGMENT) {
      this.reserved.push({ route, segments: compile(route.path) });
    } else {
      throw new Error(`Route ${route.path}: base-relative routes live under ${RESERVED_SEGMENT}/ (or are **)`);
    }
  }

  match(request: HttpRequest): RouteMatch {
    const path = request.path;
    const absolute = this.absolute.get(path);
    if (absolute) return pick(request, absolute, NO_PARAMS, false);
    if (this.absolutePatterns.length > 0) {
      const found = matchAll(this.absolutePatterns, path.slice(1).split("/"));
      if (found) return pick(request, found.routes, found.params, false);
    }
    const base = this.basePath;
    if (!(path.length > base.length + 1 && path.startsWith(base) && path.charCodeAt(base.length) === 47)) return NONE;
    const relative = path.slice(base.length + 1);
    const first = relative.indexOf("/");
    if ((first === -1 ? relative : relative.slice(0, first)) !== RESERVED_SEGMENT) {
      return this.streams.length > 0 ? pick(request, this.streams, NO_PARAMS, false) : NONE;
    }
    const found = matchAll(this.reserved, relative.split("/"));
    return found ? pick(request, found.routes, found.params, true) : NONE;
  }
}

/** Every route whose pattern matches, with the params of the first of them. */
function matchAll(
  patterns: readonly Compiled[],
  segments: readonly string[],
): { routes: RouteSpec[]; params: RouteParams } | undefined {
  const routes: RouteSpec[] = [];
  let params: RouteParams = NO_PARAMS;
  for (const compiled of patterns) {
    const found = matchSegments(compiled.segments, segments);
    if (!found) continue;
    if (routes.length === 0) params = found;
    routes.push(compiled.route);
  }
  return routes.length > 0 ? { routes, params } : undefined;
}

function pick(request: HttpRequest, routes: readonly RouteSpec[], params: RouteParams, reserved: boolean): RouteMatch {
  const method = request.method;
  for (const route of routes) {
    // A GET route also answers HEAD unless the path has a HEAD route of its own.
    const serves =
      route.method === method || (method === "HEAD" && route.method === "GET" && !hasMethod(routes, "HEAD"));
    if (serves && (route.when === undefined || route.when(request))) return { kind: "route", route, params };
  }
  const allowed = METHOD_ORDER.filter((m) => hasMethod(routes, m) || (m === "HEAD" && hasMethod(routes, "GET")));
  return { kind: "method", allowed, reserved };
}

function hasMethod(routes: readonly RouteSpec[], method: Method): boolean {
  return routes.some((route) => route.method === method);
}

function compile(pattern: string): Segment[] {
  return pattern.split("/").map((part, i, all) => {
    if (part.startsWith(":")) return { param: part.slice(1) };
    if (part.startsWith("*")) {
      if (i !== all.length - 1) throw new Error(`Route ${pattern}: a *rest segment must come last`);
      return { rest: part.slice(1) };
    }
    return { literal: part };
  });
}

/** Params when `path` matches; `*rest` takes one or more segments, slashes included. */
function matchSegments(pattern: readonly Segment[], path: readonly string[]): RouteParams | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i]!;
    const part = path[i];
    if (part === undefined || part === "") return undefined;
    if ("literal" in segment) {
      if (part !== segment.literal) return undefined;
    } else if ("param" in segment) {
      params[segment.param] = part;
    } else {
      params[segment.rest] = path.slice(i).join("/");
      return params;
    }
  }
  return path.length === pattern.length ? params : undefined;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
