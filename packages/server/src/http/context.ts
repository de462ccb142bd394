import type { Engine } from "../engine/engine.js";
import type { Logger } from "../ops/logger.js";
import type { ServerMetrics } from "../ops/metrics.js";
import type { ResolvedOptions } from "../options.js";
import type { HttpReply, HttpRequest } from "./exchange.js";

/** Whether the server can serve now, and if not, why (for /readyz). */
export interface Readiness {
  readonly ready: boolean;
  readonly status?: string | undefined;
  readonly detail?: string | undefined;
}

/** What every handler gets besides the request. */
export interface Context {
  readonly engine: Engine;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly metrics: ServerMetrics | undefined;
  /** The app's readiness: store opened, not draining, every registered check passing. */
  readiness(): Readiness;
}

export type Handler = (request: HttpRequest, context: Context) => Promise<HttpReply>;
