/** Operator endpoints at the server root: liveness, readiness and Prometheus metrics. */
import { handleHealth, handleMetrics, handleReady } from "../handlers/ops.js";
import type { RouteSpec } from "../routing/route.js";

export const opsRoutes: readonly RouteSpec[] = [
  // Probes are never rate limited or authenticated: orchestrators call them without credentials.
  { method: "GET", path: "/healthz", operation: "health", access: "open", unmetered: true, handle: handleHealth },
  { method: "GET", path: "/readyz", operation: "ready", access: "open", unmetered: true, handle: handleReady },
  { method: "GET", path: "/metrics", operation: "metrics", access: "admin", handle: handleMetrics },
];
