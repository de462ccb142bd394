/**
 * Topics (docs/kafka-layer.md): named sets of partitions, each partition a plain JSON stream
 * of record envelopes any Durable Streams client can read; create, list, describe, alter and
 * delete under `{base}/__ds/topics`, a keyed produce endpoint, compacted topics, and a change
 * feed of every topic change. Durable through the state log. Consumer groups find topics
 * through the directory this feature offers (features/groups/sources).
 */
import type { Feature } from "../../feature.js";
import { PARTITION_STATS, TOPIC_DIRECTORY } from "../groups/sources/keys.js";
import { Compactor } from "./compaction/compactor.js";
import { trackCompaction } from "./compaction/tracking.js";
import { TopicCatalog } from "./directory.js";
import { noTopicObserver, TopicMetrics, type TopicObserver } from "./metrics.js";
import { TopicPaths } from "./paths.js";
import { StickyPartition } from "./produce/routing.js";
import { adminRoutes } from "./routes/admin.js";
import { produceRoutes } from "./routes/produce.js";
import { reconcile } from "./runtime/reconcile.js";
import { TopicService } from "./runtime/service.js";
import { resolveTopicSettings } from "./settings.js";

export const topics: Feature = {
  name: "topics",
  singleton: true,
  setup(host) {
    const { options } = host;
    const settings = resolveTopicSettings(options.topics);
    const paths = new TopicPaths(options.basePath, settings.pathPrefix);
    const service = new TopicService({
      engine: host.engine,
      basePath: options.basePath,
      paths,
      settings,
      maxStreams: options.maxStreams,
      logger: host.logger,
      reconcile,
    });
    const observer: TopicObserver = host.metrics
      ? new TopicMetrics(host.metrics.registry, () => ({
          topics: () => service.table.topics.size,
          partitions: () => [...service.table.topics.values()].reduce((n, t) => n + t.config.partitions, 0),
        }))
      : noTopicObserver;
    const compactor = new Compactor(host.engine, settings.compaction, host.logger, observer);
    trackCompaction(service, compactor);
    const sticky = new Map<string, StickyPartition>();
    service.onConfigured((name) => {
      if (!service.visible(name)) sticky.delete(name);
    });
    const stickyOf = (name: string) => {
      let found = sticky.get(name);
      if (!found) {
        found = new StickyPartition(settings.stickyBatchBytes);
        sticky.set(name, found);
      }
      return found;
    };
    for (const route of [...adminRoutes(service, compactor), ...produceRoutes(service, stickyOf, observer)]) {
      host.route(route);
    }
    const catalog = new TopicCatalog(service);
    host.provide(TOPIC_DIRECTORY, catalog);
    host.provide(PARTITION_STATS, catalog);
    host.capability("topics", 1);
    host.onOpen(async () => {
      await service.open();
      compactor.start();
    });
    host.onClose(async () => {
      await compactor.stop();
      await service.close();
    });
    host.readiness(() => service.readiness());
  },
};
