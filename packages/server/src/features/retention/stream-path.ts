/** The stream an admin route under `{base}/__ds/…/*path` names: its path after the base path. */
import type { HttpRequest } from "../../http/exchange.js";
import type { Demand, RouteParams } from "../../http/routing/route.js";
import type { ResolvedOptions } from "../../options.js";

export function streamOf(options: ResolvedOptions, params: RouteParams): string {
  return `${options.basePath}/${params.path ?? ""}`;
}

/** Admin scope on the stream itself, so `admin:/v1/stream/team/**` can manage that subtree. */
export function adminOnStream(options: ResolvedOptions) {
  return (_request: HttpRequest, params: RouteParams): readonly Demand[] => [
    { scope: "admin", path: streamOf(options, params) },
  ];
}
