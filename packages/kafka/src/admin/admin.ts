/**
 * `kafka.admin()`: topics (create, list, describe, alter, delete) and consumer groups (list,
 * describe with lag, delete, reset offsets) through the server's `{base}/__ds/` API
 * (docs/kafka-layer.md). Listings follow every page.
 */
import type { Kafka } from "../kafka.js";
import { invalid } from "../options.js";
import { checkTopicName } from "../topic-metadata.js";
import {
  type GroupDescription,
  type GroupSummary,
  groupDescription,
  groupSummary,
  type WireDescription,
  type WireOffsets,
  type WireSummary,
} from "./group-views.js";
import {
  type TopicConfig,
  type TopicDescription,
  type TopicSummary,
  topicDescription,
  topicSummary,
  type WireTopic,
  wireConfig,
} from "./topic-views.js";

/** Where `resetOffsets` moves a group: the start, the tail, a time, or given offsets. */
export type ResetTo = "earliest" | "latest" | Date | readonly { topic?: string; partition: number; offset: string }[];

export interface ResetOffset {
  topic: string;
  partition: number;
  offset: string;
  seq: number | null;
}

const PAGE = 1000;

export class Admin {
  readonly #kafka: Kafka;

  constructor(kafka: Kafka) {
    this.#kafka = kafka;
  }

  /** Creates a topic; a topic that exists with the same configuration is answered as is (idempotent). */
  async createTopic(name: string, config: TopicConfig = {}): Promise<TopicDescription> {
    const answer = await this.#call<WireTopic>("PUT", `topics/${this.#topic(name)}`, {
      body: wireConfig(config),
      retry: true,
    });
    return topicDescription(answer);
  }

  /** Every topic, in name order (all pages). */
  async listTopics(): Promise<TopicSummary[]> {
    const topics: TopicSummary[] = [];
    for (let after: string | undefined; ; ) {
      const page = await this.#call<{ topics: WireTopic[]; next: string | null }>("GET", "topics", {
        query: { after, limit: PAGE },
        retry: true,
      });
      topics.push(...page.topics.map(topicSummary));
      if (page.next === null || page.next === undefined || page.topics.length === 0) return topics;
      after = page.next;
    }
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    return topicDescription(await this.#call<WireTopic>("GET", `topics/${this.#topic(name)}`, { retry: true }));
  }

  /** Changes a topic's settings (`null` restores a default); partitions only grow. */
  async alterTopic(name: string, changes: TopicConfig): Promise<TopicDescription> {
    const answer = await this.#call<WireTopic>("PATCH", `topics/${this.#topic(name)}`, {
      body: wireConfig(changes),
      retry: true,
    });
    this.#kafka.topics.refresh(name).catch(() => undefined);
    return topicDescription(answer);
  }

  async deleteTopic(name: string): Promise<void> {
    await this.#call("DELETE", `topics/${this.#topic(name)}`, { retry: true });
  }

  /** Every group, in id order (all pages). */
  async listGroups(): Promise<GroupSummary[]> {
    const groups: GroupSummary[] = [];
    for (let after: string | undefined; ; ) {
      const page = await this.#call<{ groups: WireSummary[]; next: string | null }>("GET", "groups", {
        query: { after, limit: PAGE },
        retry: true,
      });
      groups.push(...page.groups.map(groupSummary));
      if (page.next === null || page.next === undefined || page.groups.length === 0) return groups;
      after = page.next;
    }
  }

  /** A group's state, members, and per partition its committed offset and lag. */
  async describeGroup(id: string): Promise<GroupDescription> {
    const group = this.#group(id);
    const [description, offsets] = await Promise.all([
      this.#call<WireDescription>("GET", `groups/${group}`, { retry: true }),
      this.#call<WireOffsets>("GET", `groups/${group}/offsets`, { retry: true }),
    ]);
    const described = groupDescription(description, offsets);
    this.#kafka.events.emit({
      type: "lag",
      group: id,
      totalLag: described.totalLag,
      partitions: described.partitions.map(({ topic, partition, lag }) => ({ topic, partition, lag })),
    });
    return described;
  }

  /** Deletes a group with no members and its offsets. */
  async deleteGroup(id: string): Promise<void> {
    await this.#call("DELETE", `groups/${this.#group(id)}`, { retry: true });
  }

  /**
   * Moves a group's offsets for `topic` (only while the group has no members): to the earliest
   * record, the tail, the first record appended at or after a time, or the offsets given.
   */
  async resetOffsets(group: string, topic: string, to: ResetTo): Promise<ResetOffset[]> {
    checkTopicName(topic);
    let body: Record<string, unknown>;
    if (to === "earliest" || to === "latest") body = { topics: [topic], to };
    else if (to instanceof Date) {
      if (Number.isNaN(to.getTime())) throw invalid("to", "is an invalid Date");
      body = { topics: [topic], to: { at: to.getTime() } };
    } else if (Array.isArray(to)) {
      const offsets = to.map((o) => {
        if (!Number.isInteger(o?.partition) || typeof o.offset !== "string") {
          throw invalid("to", "offsets are { partition, offset }");
        }
        return { topic: o.topic ?? topic, partition: o.partition, offset: o.offset };
      });
      body = { to: { offsets } };
    } else throw invalid("to", `must be "earliest", "latest", a Date or offsets, got ${JSON.stringify(to)}`);
    const answer = await this.#call<{ offsets: ResetOffset[] }>("POST", `groups/${this.#group(group)}/offsets/reset`, {
      body,
      retry: true,
    });
    return answer.offsets;
  }

  async #call<T>(
    method: "GET" | "PUT" | "PATCH" | "DELETE" | "POST",
    path: string,
    options: { body?: unknown; query?: Record<string, string | number | undefined>; retry?: boolean },
  ): Promise<T> {
    const { http } = this.#kafka;
    return (await http.call<T>(method, http.api(path), options)).body;
  }

  #topic(name: string): string {
    return encodeURIComponent(checkTopicName(name));
  }

  #group(id: string): string {
    if (typeof id !== "string" || !/^[A-Za-z0-9._-]{1,249}$/.test(id)) {
      throw invalid("group", `must be 1-249 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(id)}`);
    }
    return encodeURIComponent(id);
  }
}
