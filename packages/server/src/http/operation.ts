/**
 * Which operation a request is, decided once from method, path, headers and query, and used
 * both to route it and to label its logs and metrics.
 */
import { Header } from "@rivulet/protocol";
import type { HttpRequest } from "./exchange.js";

export type Operation =
  | "create"
  | "fork"
  | "append"
  | "read"
  | "long-poll"
  | "sse"
  | "head"
  | "delete"
  | "list"
  | "preflight"
  | "health"
  | "ready"
  | "metrics"
  | "not-found"
  | "bad-method";

/** PROTOCOL §6: the first stream-root-relative segment `__ds` is reserved for control APIs. */
export const RESERVED_SEGMENT = "__ds";

const OPS_PATHS: Record<string, Operation> = { "/healthz": "health", "/readyz": "ready", "/metrics": "metrics" };

export function operationOf(request: HttpRequest, basePath: string): Operation {
  const { method } = request;
  if (method === "OPTIONS") return "preflight";
  const path = request.path;
  const ops = OPS_PATHS[path];
  if (ops) return method === "GET" || method === "HEAD" ? ops : "bad-method";
  if (!(path.startsWith(`${basePath}/`) && path.length > basePath.length + 1)) return "not-found";
  const relative = path.slice(basePath.length + 1);
  if (relative.split("/", 1)[0] === RESERVED_SEGMENT) {
    return relative === `${RESERVED_SEGMENT}/streams` && method === "GET" ? "list" : "not-found";
  }
  switch (method) {
    case "PUT":
      return request.header(Header.forkedFrom) !== undefined ? "fork" : "create";
    case "POST":
      return "append";
    case "GET": {
      const live = request.query.get("live");
      return live === "long-poll" ? "long-poll" : live === "sse" ? "sse" : "read";
    }
    case "HEAD":
      return "head";
    case "DELETE":
      return "delete";
    default:
      return "bad-method";
  }
}
