/**
 * Consumer groups, KIP-848 style (docs/kafka-layer.md): server-side assignment, one heartbeat
 * call per member, revoke before assign, commits fenced by assignment epoch, lag, and admin
 * resets — durable through the state log. Topics come from whatever feature offers a
 * TopicDirectory and PartitionStats (sources/keys.ts, the topics feature); when `groups.topics`
 * names topics, from that setting instead.
 */
import type { Feature } from "../../feature.js";
import { TRANSACTION_PARTICIPANTS } from "../transactions/participant.js";
import { GroupMetrics, noGroupObserver } from "./metrics.js";
import { commitParticipant } from "./participant.js";
import { adminRoutes } from "./routes/admin.js";
import { heartbeatRoutes } from "./routes/heartbeat.js";
import { offsetRoutes } from "./routes/offsets.js";
import { GroupService } from "./runtime/service.js";
import { resolveGroupSettings } from "./settings.js";
import { PARTITION_STATS, TOPIC_DIRECTORY } from "./sources/keys.js";
import { StaticTopics } from "./sources/static.js";

export const groups: Feature = {
  name: "groups",
  singleton: true,
  setup(host) {
    const { options } = host;
    const settings = resolveGroupSettings(options.groups);
    const observer = host.metrics
      ? new GroupMetrics(host.metrics.registry, () => service, settings.lagSeries)
      : noGroupObserver;
    const service: GroupService = new GroupService({
      engine: host.engine,
      basePath: options.basePath,
      settings,
      logger: host.logger,
      observer,
      tracing: host.tracing,
    });
    host.capability("groups", 1);
    const groupPath = (group: string) => `${options.basePath}/__ds/groups/${group}`;
    for (const route of [
      ...heartbeatRoutes(service, groupPath),
      ...offsetRoutes(service, groupPath),
      ...adminRoutes(service, groupPath),
    ]) {
      host.route(route);
    }
    let registered = false;
    host.onOpen(async () => {
      const stand = new StaticTopics(settings.topics, options.basePath, host.engine);
      // Topics named in `groups.topics` are served as configured, whatever else offers topics.
      const configured = Object.keys(settings.topics).length > 0;
      await service.open({
        directory: (configured ? undefined : host.lookup(TOPIC_DIRECTORY)) ?? stand,
        stats: (configured ? undefined : host.lookup(PARTITION_STATS)) ?? stand,
      });
      // With transactions on, a commit can be part of one (the `commit` field). Registered once:
      // in a cluster this hook runs again each time this node takes the lease back.
      if (!registered) host.lookup(TRANSACTION_PARTICIPANTS)?.register(commitParticipant(service, groupPath));
      registered = true;
    });
    host.onDrain(() => service.drain());
    host.onClose(() => service.close());
    host.readiness(() => service.readiness());
  },
};
