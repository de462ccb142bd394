/**
 * Which streams the compactor works on: every partition of every compacted topic, with the
 * topic's tombstone delay, and the change feed — kept in step with every topic change.
 */
import type { TopicService } from "../runtime/service.js";
import type { Compactor } from "./compactor.js";

export function trackCompaction(service: TopicService, compactor: Compactor): void {
  /** Partitions tracked per topic. */
  const tracked = new Map<string, number>();
  compactor.track(service.paths.feed, service.settings.defaultDeleteRetentionMs);
  service.onConfigured((name) => {
    const topic = service.table.live(name);
    const compacted = topic?.config.cleanupPolicy === "compact" ? topic.config.partitions : 0;
    for (let p = compacted; p < (tracked.get(name) ?? 0); p++) compactor.untrack(service.paths.partition(name, p));
    for (let p = 0; p < compacted; p++) {
      compactor.track(service.paths.partition(name, p), topic!.config.deleteRetentionMs);
    }
    if (compacted > 0) tracked.set(name, compacted);
    else tracked.delete(name);
  });
}
