/**
 * POST `{base}/__ds/groups/:group/heartbeat[?wait_ms=]` (KIP-848's one call per member): join,
 * heartbeat, leave. With `wait_ms`, a heartbeat whose answer would tell the member nothing new
 * — the same epoch, the assignment it reported owning — waits (bounded) until the group
 * changes, then heartbeats again, so members need not poll fast to hear of a rebalance.
 * Needs `write` on `{base}/__ds/groups/:group`.
 */
import type { HttpRequest } from "../../../http/exchange.js";
import type { RouteSpec } from "../../../http/routing/route.js";
import type { PartitionKey } from "../coordinator/model.js";
import type { HeartbeatRequest, HeartbeatResult } from "../coordinator/requests.js";
import type { GroupService } from "../runtime/service.js";
import { heartbeatView } from "../views.js";
import { json, readObject } from "./http.js";
import { groupId, parseHeartbeat, waitMs } from "./parse.js";

export function heartbeatRoutes(service: GroupService, groupPath: (group: string) => string): RouteSpec[] {
  const handle: RouteSpec["handle"] = async (request, _context, params) => {
    const group = groupId(params.group);
    const wait = waitMs(request.query.get("wait_ms"), service.settings);
    const body = parseHeartbeat(await readObject(request, service.settings.maxBodyBytes), service.settings);
    let result = await service.decide(group, (c, now) => c.heartbeat(group, body, now), request);
    const until = service.now() + wait;
    let closed = false;
    request.onClose(() => {
      closed = true;
    });
    // Any change of the group wakes the wait; only one that concerns this member ends it.
    while (nothingNew(body, result) && !closed && !service.draining && service.now() < until) {
      await waitForChange(service, group, until - service.now(), request);
      const again: HeartbeatRequest = { ...body, memberId: result.memberId, topics: undefined, owned: undefined };
      result = await service.decide(group, (c, now) => c.heartbeat(group, again, now), request);
    }
    const view = heartbeatView(result, service.coordinator.get(group), service.sources.directory, service.settings);
    return json(200, view);
  };
  const access = (_request: HttpRequest, params: Record<string, string>) => [
    { scope: "write" as const, path: groupPath(params.group ?? "") },
  ];
  return [
    {
      method: "POST",
      path: "__ds/groups/:group/heartbeat",
      operation: "group-heartbeat-wait",
      // A waiting heartbeat holds a connection like a long-poll: it counts toward the live caps.
      when: (request) => request.query.has("wait_ms"),
      reserves: "live",
      access,
      handle,
    },
    { method: "POST", path: "__ds/groups/:group/heartbeat", operation: "group-heartbeat", access, handle },
  ];
}

function nothingNew(request: HeartbeatRequest, result: HeartbeatResult): boolean {
  if (request.memberEpoch <= 0 || result.memberEpoch !== request.memberEpoch || request.owned === undefined)
    return false;
  return sameSet(request.owned, result.assignment);
}

function sameSet(owned: ReadonlySet<PartitionKey>, assignment: readonly PartitionKey[]): boolean {
  return owned.size === assignment.length && assignment.every((key) => owned.has(key));
}

function waitForChange(service: GroupService, group: string, ms: number, request: HttpRequest): Promise<void> {
  return service.waitForChange(group, ms, (cancel) => request.onClose(cancel));
}
