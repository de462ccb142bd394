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
import { checkedCommits, type OffsetInput, type ResetTarget, resetPositions } from "../runtime/positions.js";
import type { GroupService } from "../runtime/service.js";
import { committedView, offsetView } from "../views.js";
import { invalid, json, readObject } from "./http.js";
import { groupId, MAX_OFFSETS, offsetToken, partitionNumber, topicName } from "./parse.js";

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
        const member = commitMember(body);
        const inputs = offsetInputs(body.offsets, settings.maxMetadataLength);
        service.ensureOpen();
        const offsets = await checkedCommits(service.sources, inputs);
        await service.decide((c, now) => c.commit(group, { ...member, offsets }, now));
        const committed = service.coordinator.get(group)!;
        return json(200, {
          offsets: inputs.map((input) => ({
            topic: input.topic,
            partition: input.partition,
            committed: committedView(committed.offsets.get(`${input.topic}\u0000${input.partition}`)),
          })),
        });
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
        await service.decide((c, now) => c.reset(group, offsets, now));
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

function commitMember(body: Record<string, unknown>): { memberId: string | undefined; memberEpoch: number } {
  const { member_id: memberId, member_epoch: memberEpoch } = body;
  if (memberId === undefined || memberId === null) return { memberId: undefined, memberEpoch: -1 };
  if (typeof memberId !== "string" || memberId === "") throw invalid("member_id must be a string");
  if (!Number.isSafeInteger(memberEpoch) || (memberEpoch as number) < 1) {
    throw invalid("member_epoch must be the member's epoch (an integer of at least 1)");
  }
  return { memberId, memberEpoch: memberEpoch as number };
}

function offsetInputs(value: unknown, maxMetadata: number, requireList = true): OffsetInput[] {
  if (!Array.isArray(value) || (requireList && value.length === 0) || value.length > MAX_OFFSETS) {
    throw invalid(`offsets must be an array of 1-${MAX_OFFSETS} {"topic","partition","offset"} entries`);
  }
  const seen = new Set<string>();
  return value.map((entry: unknown, i) => {
    if (typeof entry !== "object" || entry === null) throw invalid(`offsets[${i}] must be an object`);
    const { topic, partition, offset, metadata } = entry as Record<string, unknown>;
    const input = {
      topic: topicName(topic, `offsets[${i}].topic`),
      partition: partitionNumber(partition, `offsets[${i}].partition`),
      offset: offsetToken(offset, `offsets[${i}].offset`),
      metadata: metadataOf(metadata, maxMetadata, i),
    };
    const key = `${input.topic}\u0000${input.partition}`;
    if (seen.has(key)) throw invalid(`offsets names ${input.topic}/${input.partition} twice`);
    seen.add(key);
    return input;
  });
}

function metadataOf(value: unknown, max: number, i: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length > max)
    throw invalid(`offsets[${i}].metadata must be a string of at most ${max} characters`);
  return value;
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
