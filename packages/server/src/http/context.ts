import type { Engine } from "../engine/engine.js";
import type { ResolvedOptions } from "../options.js";
import type { HttpReply, HttpRequest } from "./exchange.js";

/** What every handler gets besides the request. */
export interface Context {
  readonly engine: Engine;
  readonly options: ResolvedOptions;
}

export type Handler = (request: HttpRequest, context: Context) => Promise<HttpReply>;
