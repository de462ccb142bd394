/**
 * POST `{base}/__ds/topics/<name>/records` (docs/kafka-layer.md, "Produce"): keyed produce for
 * thin clients — a JSON array of records (or one record), optionally gzip-compressed, routed
 * by key like every Kafka client does, with idempotent-producer headers optional (one seq per
 * request, or one per partition: `Producer-Partitions`). Needs
 * `write` on the topic's path. Answers each record's partition, offset, seq and time, or with
 * `Produce-Answer: partitions` each partition share's (answers.ts).
 */
import { Header, parsePartitionClaims, parseProducedRecords, parseProducerClaim } from "@rivulet/protocol";
import type { RouteSpec } from "../../../http/routing/route.js";
import type { TopicObserver } from "../metrics.js";
import { answerBody, answerForm } from "../produce/answers.js";
import { checkProduceClaim } from "../produce/claims.js";
import { produce } from "../produce/produce.js";
import type { StickyPartition } from "../produce/routing.js";
import type { TopicService } from "../runtime/service.js";
import { nameOf } from "./admin.js";
import { json } from "./http.js";

export function produceRoutes(
  service: TopicService,
  sticky: (topic: string) => StickyPartition,
  observer: TopicObserver,
): RouteSpec[] {
  return [
    {
      method: "POST",
      path: "__ds/topics/:name/records",
      operation: "topic-produce",
      access: (_request, params) => [{ scope: "write", path: service.paths.topic(params.name ?? "") }],
      jsonBody: true,
      async handle(request, context, params) {
        const name = nameOf(params);
        const id = request.header(Header.producerId);
        const epoch = request.header(Header.producerEpoch);
        const seq = request.header(Header.producerSeq);
        const perPartition = request.header(Header.producerPartitions);
        const claims =
          perPartition === undefined
            ? parseProducerClaim(id, epoch, seq)
            : parsePartitionClaims(id, epoch, seq, perPartition);
        if (claims && !(claims instanceof Map)) checkProduceClaim(claims);
        const form = answerForm(request.header(Header.produceAnswer));
        const body = await request.readBody(context.options.maxBodyBytes);
        const records = parseProducedRecords(body, service.settings.maxRecordsPerRequest);
        const outcome = await produce(service, sticky, name, records, claims);
        observer.produced(outcome.written.records, outcome.written.bytes);
        return json(outcome.status, answerBody(form, outcome));
      },
    },
  ];
}
