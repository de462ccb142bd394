/**
 * Topic administration under `{base}/__ds/topics` (docs/kafka-layer.md, "Topics"): PUT to
 * create (idempotent by configuration), GET to list (a page at a time) or describe, PATCH to
 * alter, DELETE to delete. Access: `admin` on the topic's path `{base}/{prefix}/<name>` to
 * create, alter or delete it, `read` to describe it, `admin` on `{base}/__ds/topics` to list.
 */
import { checkTopicName, ProtocolError, parseTopicConfig } from "@rivulet/protocol";
import { messageAt } from "../../../engine/positions.js";
import type { HttpRequest } from "../../../http/exchange.js";
import type { AccessScope } from "../../../http/middleware/auth/config.js";
import type { RouteParams, RouteSpec } from "../../../http/routing/route.js";
import type { Compactor } from "../compaction/compactor.js";
import { alterTopic, createTopic, deleteTopic, limitsOf, topicNotFound } from "../runtime/admin.js";
import type { TopicService } from "../runtime/service.js";
import type { Topic } from "../state/model.js";
import { describeView, type PartitionView, topicView } from "../views.js";
import { json, noContent, readJson } from "./http.js";

const MAX_PAGE = 1000;

export function adminRoutes(service: TopicService, compactor: Compactor): RouteSpec[] {
  const on = (scope: AccessScope) => (_request: HttpRequest, params: RouteParams) => [
    { scope, path: service.paths.topic(params.name ?? "") },
  ];
  return [
    {
      method: "PUT",
      path: "__ds/topics/:name",
      operation: "topic-create",
      access: on("admin"),
      async handle(request, _context, params) {
        const name = nameOf(params);
        const config = parseTopicConfig(await readJson(request), limitsOf(service));
        const { created, topic } = await createTopic(service, name, config);
        return json(created ? 201 : 200, await describe(service, compactor, topic));
      },
    },
    {
      method: "GET",
      path: "__ds/topics",
      operation: "topic-list",
      access: "admin",
      async handle(request) {
        service.ensureOpen();
        const after = request.query.get("after") ?? "";
        const raw = request.query.get("limit");
        const limit = raw === null ? 100 : Number(raw);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
          throw new ProtocolError("BAD_REQUEST", `limit must be an integer from 1 to ${MAX_PAGE}`);
        }
        const names = [...service.table.topics.keys()].filter((name) => name > after && service.visible(name)).sort();
        const page = names.slice(0, limit);
        return json(200, {
          topics: page.map((name) => topicView(service.visible(name)!)),
          next: names.length > limit ? page.at(-1) : null,
        });
      },
    },
    {
      method: "GET",
      path: "__ds/topics/:name",
      operation: "topic-describe",
      access: on("read"),
      async handle(_request, _context, params) {
        const name = nameOf(params);
        service.ensureOpen();
        const topic = service.visible(name);
        if (!topic) throw topicNotFound(name);
        return json(200, await describe(service, compactor, topic));
      },
    },
    {
      method: "PATCH",
      path: "__ds/topics/:name",
      operation: "topic-alter",
      access: on("admin"),
      async handle(request, _context, params) {
        const name = nameOf(params);
        const topic = await alterTopic(service, name, await readJson(request));
        return json(200, await describe(service, compactor, topic));
      },
    },
    {
      method: "DELETE",
      path: "__ds/topics/:name",
      operation: "topic-delete",
      access: on("admin"),
      async handle(_request, _context, params) {
        await deleteTopic(service, nameOf(params));
        return noContent();
      },
    },
  ];
}

export function nameOf(params: RouteParams): string {
  const name = params.name ?? "";
  checkTopicName(name);
  return name;
}

/** The topic and each partition's positions, seqs and size, as they are now. */
async function describe(service: TopicService, compactor: Compactor, topic: Topic): Promise<Record<string, unknown>> {
  const partitions: PartitionView[] = [];
  for (let p = 0; p < topic.config.partitions; p++) {
    const path = service.paths.partition(topic.name, p);
    const stream = await service.engine.stream(path);
    if (!stream || stream.softDeleted) continue;
    partitions.push({
      partition: p,
      path,
      earliest: stream.earliest,
      earliestSeq: (await messageAt(service.engine, stream, stream.earliest)).seq,
      next: stream.tail,
      nextSeq: stream.nextSeq,
      bytes: stream.tail - stream.earliest,
      cleanedTo: topic.config.cleanupPolicy === "compact" ? compactor.cleanedTo(path) : undefined,
    });
  }
  return describeView(topic, partitions);
}
