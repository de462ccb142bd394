/**
 * Features plug into the server here: each is a folder under features/ whose `Feature` mounts
 * its routes (under `{base}/__ds/…`), starts and stops its background work with the app, and
 * adds readiness checks — so a new capability is a new folder, not branches in old files.
 */
import type { Engine } from "./engine/engine.js";
import type { Readiness } from "./http/context.js";
import type { RouteSpec } from "./http/routing/route.js";
import type { Logger } from "./ops/logger.js";
import type { ServerMetrics } from "./ops/metrics.js";
import type { FeatureTracing } from "./ops/tracing.js";
import type { ResolvedOptions } from "./options.js";

export interface Feature {
  readonly name: string;
  /** Called once while the app is built, before the store opens. */
  setup(host: FeatureHost): void;
}

export interface FeatureHost {
  readonly engine: Engine;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly metrics: ServerMetrics | undefined;
  /**
   * The server's tracer when tracing is on (undefined otherwise: then add no spans). Spans of
   * work a request started take `tracing.contextOf(request)` as their parent context.
   */
  readonly tracing: FeatureTracing | undefined;
  route(route: RouteSpec): void;
  /** Runs after the store has opened and recovered, before the server reports ready. */
  onOpen(hook: () => Promise<void> | void): void;
  /** Runs at shutdown, after requests drained and before the store closes. */
  onClose(hook: () => Promise<void> | void): void;
  /** A check /readyz consults; the server is ready only when every check is. */
  readiness(check: () => Readiness): void;
}
