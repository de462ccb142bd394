export type { Topic } from "./records.js";

/**
 * What the server knows of its topics (pure): each topic's configuration and history, and the
 * one reducer that applies a state log record (records.ts) to it — at the moment a change is
 * decided and again when the log is replayed, so both see the same state.
 */
import type { Topic, TopicLogRecord } from "./records.js";

export class TopicTable {
  readonly topics = new Map<string, Topic>();
  /** The highest revision any change got; every change takes the next one. */
  revision = 0;

  apply(record: TopicLogRecord): void {
    switch (record.op) {
      case "put":
        this.topics.set(record.topic.name, record.topic);
        break;
      case "deleting": {
        const topic = this.topics.get(record.name);
        if (topic) this.topics.set(record.name, { ...topic, deleting: true, revision: record.revision });
        break;
      }
      case "purged":
        this.topics.delete(record.name);
        break;
    }
    this.revision = Math.max(this.revision, revisionOf(record));
  }

  /** Records that rebuild this state (the state log's snapshot). */
  *snapshot(): Iterable<TopicLogRecord> {
    for (const topic of this.topics.values()) {
      yield { op: "put", topic };
      if (topic.deleting) yield { op: "deleting", name: topic.name, revision: topic.revision };
    }
  }

  /** A topic that exists for clients: not being deleted. */
  live(name: string): Topic | undefined {
    const topic = this.topics.get(name);
    return topic && !topic.deleting ? topic : undefined;
  }
}

function revisionOf(record: TopicLogRecord): number {
  if (record.op === "put") return record.topic.revision;
  if (record.op === "deleting") return record.revision;
  return 0;
}
