/**
 * Listing, describing and deleting groups: GET `{base}/__ds/groups` (`admin`), GET and DELETE
 * `{base}/__ds/groups/:group` (`read`, `admin` on the group's path).
 */
import type { HttpRequest } from "../../../http/exchange.js";
import type { AccessScope } from "../../../http/middleware/auth/config.js";
import type { RouteSpec } from "../../../http/routing/route.js";
import { groupNotFound } from "../coordinator/errors.js";
import { lagOf, partitionsOf } from "../runtime/lag.js";
import type { GroupService } from "../runtime/service.js";
import { describeView, summaryView } from "../views.js";
import { invalid, json, noContent } from "./http.js";
import { groupId } from "./parse.js";

const MAX_PAGE = 1000;

export function adminRoutes(service: GroupService, groupPath: (group: string) => string): RouteSpec[] {
  const on = (scope: AccessScope) => (_request: HttpRequest, params: Record<string, string>) => [
    { scope, path: groupPath(params.group ?? "") },
  ];
  return [
    {
      method: "GET",
      path: "__ds/groups",
      operation: "group-list",
      access: "admin",
      async handle(request) {
        service.ensureOpen();
        const after = request.query.get("after") ?? "";
        const limitParam = request.query.get("limit");
        const limit = limitParam === null ? 100 : Number(limitParam);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
          throw invalid(`limit must be an integer from 1 to ${MAX_PAGE}`);
        const ids = [...service.coordinator.groups.keys()].filter((id) => id > after).sort();
        const page = ids.slice(0, limit);
        return json(200, {
          groups: page.map((id) => summaryView(service.coordinator.get(id)!)),
          next: ids.length > limit ? page[page.length - 1] : null,
        });
      },
    },
    {
      method: "GET",
      path: "__ds/groups/:group",
      operation: "group-describe",
      access: on("read"),
      async handle(_request, _context, params) {
        const id = groupId(params.group);
        service.ensureOpen();
        const group = service.coordinator.get(id);
        if (!group) throw groupNotFound(id);
        const lag = await lagOf(group, partitionsOf(group, service.sources.directory), service.sources.stats);
        return json(200, describeView(group, lag));
      },
    },
    {
      method: "DELETE",
      path: "__ds/groups/:group",
      operation: "group-delete",
      access: on("admin"),
      async handle(_request, _context, params) {
        const id = groupId(params.group);
        await service.decide((c) => c.delete(id));
        return noContent();
      },
    },
  ];
}
