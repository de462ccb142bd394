/**
 * Creating, altering and deleting topics (docs/kafka-layer.md, "Topics"). Each change is
 * decided against the current state, made durable in the state log, then carried out on the
 * partition streams and told to the change feed; a crash in between is finished at the next
 * start (reconcile.ts). Changes run one at a time (TopicService.serially).
 */
import {
  ProtocolError,
  patchTopicConfig,
  type TopicConfig,
  type TopicLimits,
  topicConfigsEqual,
} from "@rivulet/protocol";
import type { Topic } from "../state/model.js";
import { finishDeletion } from "./reconcile.js";
import type { TopicService } from "./service.js";

export function limitsOf(service: TopicService): TopicLimits {
  return {
    maxPartitions: service.settings.maxPartitions,
    defaultDeleteRetentionMs: service.settings.defaultDeleteRetentionMs,
  };
}

/** Creates a topic, or finds it with the same config (idempotent); 409 TOPIC_EXISTS for another config. */
export function createTopic(
  service: TopicService,
  name: string,
  config: TopicConfig,
): Promise<{ created: boolean; topic: Topic }> {
  return service.serially(async () => {
    let existing = service.table.topics.get(name);
    // A deletion a failure left half done is finished first.
    if (existing?.deleting) {
      await finishDeletion(service, existing);
      existing = service.table.topics.get(name);
      if (existing) throw unavailable(`Topic ${name} is still being deleted`);
    }
    if (existing) {
      if (!topicConfigsEqual(existing.config, config)) {
        throw new ProtocolError("TOPIC_EXISTS", `Topic ${name} exists with a different configuration`);
      }
      // A creation a failure left half done is finished now.
      await service.partitions.ensure(name, existing.config);
      reveal(service, name);
      return { created: false, topic: existing };
    }
    if (service.table.topics.size >= service.settings.maxTopics) {
      throw new ProtocolError(
        "TOPIC_LIMIT_REACHED",
        `The server holds its limit of ${service.settings.maxTopics} topics`,
      );
    }
    await checkRoom(service, name, 0, config.partitions);
    const revision = service.table.revision + 1;
    const topic: Topic = {
      name,
      config,
      createdAt: service.engine.now(),
      createdRevision: revision,
      revision,
      deleting: false,
    };
    // Invisible until its partitions exist; if making them fails, the next create of it (or
    // the next start) finishes it.
    service.pending.add(name);
    await service.commit({ op: "put", topic });
    await service.partitions.ensure(name, config);
    reveal(service, name);
    service.configured(name);
    await service.publish();
    return { created: true, topic };
  });
}

/** Alters a topic with a JSON merge patch of its settings; partitions only grow. */
export function alterTopic(service: TopicService, name: string, patch: unknown): Promise<Topic> {
  return service.serially(async () => {
    const current = service.visible(name);
    if (!current) throw topicNotFound(name);
    const config = patchTopicConfig(current.config, patch, limitsOf(service));
    if (topicConfigsEqual(config, current.config)) return current;
    if (config.partitions > current.config.partitions) {
      await checkRoom(service, name, current.config.partitions, config.partitions);
    }
    const topic: Topic = { ...current, config, revision: service.table.revision + 1 };
    // New partitions are used once they exist; if making them fails, the next start does.
    const grows = config.partitions > current.config.partitions;
    if (grows) service.growing.set(name, current.config.partitions);
    await service.commit({ op: "put", topic });
    await service.partitions.ensure(name, config);
    service.growing.delete(name);
    if (grows) service.changed(name);
    service.configured(name);
    await service.publish();
    return topic;
  });
}

/** Deletes a topic and its partitions (a partition forks still read is kept for them, soft-deleted). */
export function deleteTopic(service: TopicService, name: string): Promise<void> {
  return service.serially(async () => {
    const current = service.visible(name);
    if (!current) throw topicNotFound(name);
    const revision = service.table.revision + 1;
    await service.commit({ op: "deleting", name, revision });
    service.changed(name);
    service.configured(name);
    await finishDeletion(service, service.table.topics.get(name)!);
  });
}

export function topicNotFound(name: string): ProtocolError {
  return new ProtocolError("TOPIC_NOT_FOUND", `Topic not found: ${name}`);
}

function unavailable(message: string): ProtocolError {
  return new ProtocolError("UNAVAILABLE", message, { "retry-after": "1" });
}

function reveal(service: TopicService, name: string): void {
  if (service.pending.delete(name)) service.changed(name);
}

/** Partitions [from, to) can be made: their paths are free, and the stream limit has room. */
async function checkRoom(service: TopicService, name: string, from: number, to: number): Promise<void> {
  const occupied = await service.partitions.occupied(name, from, to);
  if (occupied !== undefined) {
    throw new ProtocolError(
      "TOPIC_PATH_IN_USE",
      `A stream already occupies ${occupied}, a partition path of topic ${name} (a deleted partition that forks still read counts)`,
    );
  }
  const limit = service.maxStreams;
  if (limit > 0 && service.engine.streamCount + (to - from) > limit) {
    throw new ProtocolError("STREAM_LIMIT_REACHED", `The topic's partitions would pass the limit of ${limit} streams`);
  }
}
