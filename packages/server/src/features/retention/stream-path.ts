/** The stream an admin route under `{base}/__ds/…/*path` names: its path after the base path. */
import { ProtocolError } from "@rivulet/protocol";
import type { Context } from "../../http/context.js";
import type { HttpRequest } from "../../http/exchange.js";
import type { Demand, RouteParams } from "../../http/routing/route.js";
import type { ResolvedOptions } from "../../options.js";

function pathOf(options: ResolvedOptions, params: RouteParams): string {
  return `${options.basePath}/${params.path ?? ""}`;
}

/**
 * The client stream a route names. Internal streams (features' state under `{base}/__ds/`) are
 * the server's own: no setting or trim reaches them, so they answer as if they were not there.
 */
export function streamOf(context: Context, params: RouteParams): string {
  const path = pathOf(context.options, params);
  if (context.engine.isInternal(path)) throw new ProtocolError("STREAM_NOT_FOUND", `Stream not found: ${path}`);
  return path;
}

/** Admin scope on the stream itself, so `admin:/v1/stream/team/**` can manage that subtree. */
export function adminOnStream(options: ResolvedOptions) {
  return (_request: HttpRequest, params: RouteParams): readonly Demand[] => [
    { scope: "admin", path: pathOf(options, params) },
  ];
}
