/**
 * At open, after the state is replayed: finish what a crash (or a failed write) interrupted.
 * Every step is idempotent. A topic whose creation or growth was decided gets the partitions
 * it lacks and the retention its config gives them; one whose deletion was decided loses its
 * partitions and then its state; the change feed gets the changes it missed.
 */
import type { Topic } from "../state/model.js";
import type { FeedChange } from "./feed.js";
import type { TopicService } from "./service.js";

export async function reconcile(service: TopicService): Promise<void> {
  for (const topic of [...service.table.topics.values()]) {
    try {
      if (topic.deleting) await finishDeletion(service, topic);
      else await service.partitions.ensure(topic.name, topic.config);
    } catch (error) {
      // It stays as the log says, unused; the next change to it, or the next start, tries again.
      if (!topic.deleting) service.pending.add(topic.name);
      service.logger.error({ err: String(error), topic: topic.name }, "a topic could not be reconciled");
    }
    service.configured(topic.name);
  }
  await service.publish();
}

/**
 * A decided deletion: the partitions go, the feed says so, then the state forgets the topic
 * (only once the feed has said so: a deletion the feed missed could never be told later).
 */
export async function finishDeletion(service: TopicService, topic: Topic): Promise<void> {
  await service.partitions.remove(topic.name, topic.config.partitions);
  const change: FeedChange = { topic, operation: "delete" };
  if (await service.publish([change])) await service.commit({ op: "purged", name: topic.name });
}
