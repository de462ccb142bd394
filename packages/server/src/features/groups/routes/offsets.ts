/**
 * Offsets of a group under `{base}/__ds/groups/:group/`: POST `commit` (`write`), GET
 * `offsets` with lag (`read`), POST `offsets/reset` (`admin`) — each on the group's path.
 */
import { ProtocolError } from "@rivulet/protocol";
import type { HttpRequest } from "../../../http/exchange.js";
import type { AccessScope } from "../../../http/middleware/auth/config.js";
import type { RouteSpec } from "../../../http/routing/route.js";
import { notEmpty } from "../coordinator/errors.js";
import { lagOf, partitionsOf } from "../runtime/lag.js";
import { checkedCommits, type ResetTarget, resetPositions } from "../runtime/positions.js";
import type { GroupService } from "../runtime/service.js";
import { commitAnswer, offsetView } from "../views.js";
import { offsetInputs, parseCommitBody } from "./commit-request.js";
import { invalid, json, readObject } from "./http.js";
import { groupId, topicName } from "./parse.js";

export function offsetRoutes(service: GroupService, groupPath: (group: string) => string): RouteSpec[] {
  const on = (scope: AccessScope) => (_request: HttpRequest, params: Record<string, string>) => [
    { scope, path: groupPath(params.group ?? "") },
  ];
  const { settings } = service;
  return [
    {
      method: "POST",
      path: "__ds/groups/:group/commit",
      operation: "group-commit",
      access: on("write"),
      async handle(request, _context, params) {
        const group = groupId(params.group);
        const body = await readObject(request, settings.maxBodyBytes);
        const { member, inputs } = parseCommitBody(body, settings.maxMetadataLength);
        service.ensureOpen();
        const offsets = await checkedCommits(service.sources, inputs);
        await service.decide(group, (c, now) => c.commit(group, { ...member, offsets }, now));
        return json(200, commitAnswer(service.coordinator.get(group)!, inputs));
      },
    },
    {
      method: "GET",
      path: "__ds/groups/:group/offsets",
      operation: "group-offsets",
      access: on("read"),
      async handle(request, _context, params) {
        const id = groupId(params.group);
        service.ensureOpen();
        const group = service.coordinator.get(id);
        if (!group) throw new ProtocolError("GROUP_NOT_FOUND", `No consumer group ${id}`);
        const topic = request.query.get("topic") ?? undefined;
        const lag = await lagOf(group, partitionsOf(group, service.sources.directory, topic), service.sources.stats);
        return json(200, {
          group: id,
          offsets: lag.partitions.map(offsetView),
          lag: { messages: lag.messages, bytes: lag.bytes },
        });
      },
    },
    {
      method: "POST",
      path: "__ds/groups/:group/offsets/reset",
      operation: "group-reset",
      access: on("admin"),
      async handle(request, _context, params) {
        const group = groupId(params.group);
        const body = await readObject(request, settings.maxBodyBytes);
        service.ensureOpen();
        // Refused before any position is looked up (the decision checks again).
        const members = service.coordinator.get(group)?.members.size ?? 0;
        if (members > 0) throw notEmpty(group, members);
        const offsets = await resetOffsets(service, body);
        await service.decide(group, (c, now) => c.reset(group, offsets, now));
        return json(200, {
          offsets: offsets.map((o) => {
            const [topic, partition] = o.key.split("\u0000");
            return { topic, partition: Number(partition), offset: o.offset, seq: o.seq };
          }),
        });
      },
    },
  ];
}

/** `{"to": "earliest" | "latest" | {"at": ms | RFC 3339}, "topics": [...]}` or `{"to": {"offsets": [...]}}`. */
async function resetOffsets(service: GroupService, body: Record<string, unknown>) {
  const to = body.to;
  if (typeof to === "object" && to !== null && "offsets" in to) {
    return checkedCommits(
      service.sources,
      offsetInputs((to as { offsets: unknown }).offsets, service.settings.maxMetadataLength),
    );
  }
  const topics = body.topics;
  if (!Array.isArray(topics) || topics.length === 0) throw invalid("topics must name the topics to reset");
  return resetPositions(
    service.sources,
    topics.map((t, i) => topicName(t, `topics[${i}]`)),
    resetTarget(to),
  );
}

function resetTarget(to: unknown): ResetTarget {
  if (to === "earliest" || to === "latest") return to;
  if (typeof to === "object" && to !== null && "at" in to) {
    const at = (to as { at: unknown }).at;
    const time = typeof at === "number" ? at : typeof at === "string" ? Date.parse(at) : Number.NaN;
    if (Number.isSafeInteger(time) && time >= 0) return { at: time };
    throw invalid("to.at must be ms since the epoch or an RFC 3339 time");
  }
  throw invalid('to must be "earliest", "latest", {"at": time} or {"offsets": [...]}');
}
