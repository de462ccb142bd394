/**
 * What producers and transactions need to know of a topic: how many partitions it has and
 * where each partition's stream is, from its description (`GET {base}/__ds/topics/<name>`).
 * Kept per `Kafka` object, asked again when a partition turns out missing (the topic grew, or
 * was recreated).
 */
import { KafkaError, PartitionNotFoundError } from "./errors.js";
import type { KafkaHttp } from "./http.js";
import { invalid } from "./options.js";

export interface TopicLayout {
  name: string;
  partitions: number;
  /** Each partition's stream path relative to the stream root: `topics/orders/0`. */
  paths: string[];
}

interface DescribedPartition {
  partition: number;
  path: string;
}

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export function checkTopicName(name: unknown, what = "topic"): string {
  if (typeof name !== "string" || !TOPIC_NAME.test(name) || name === "." || name === ".." || name.startsWith("__")) {
    throw invalid(what, `must be 1-249 of a-z A-Z 0-9 . _ - (not starting with __), got ${JSON.stringify(name)}`);
  }
  return name;
}

export class TopicMetadata {
  readonly #known = new Map<string, Promise<TopicLayout>>();
  /** The layouts of #known that have arrived, for callers that must not wait a turn. */
  readonly #arrived = new Map<string, TopicLayout>();
  readonly #rootPath: string;

  constructor(private readonly http: KafkaHttp) {
    this.#rootPath = new URL(http.options.root).pathname;
  }

  /** The topic's layout, described once and then remembered. */
  layout(topic: string, signal?: AbortSignal): Promise<TopicLayout> {
    let known = this.#known.get(topic);
    if (known === undefined) {
      const described = this.#describe(topic, signal);
      known = described;
      this.#known.set(topic, described);
      described.then(
        (layout) => {
          if (this.#known.get(topic) === described) this.#arrived.set(topic, layout);
        },
        () => this.#known.delete(topic),
      );
    }
    return known;
  }

  /** The layout if it is known already, without waiting (undefined while it is being described). */
  known(topic: string): TopicLayout | undefined {
    return this.#arrived.get(topic);
  }

  /** Forgets what is known and describes the topic again. */
  refresh(topic: string, signal?: AbortSignal): Promise<TopicLayout> {
    this.#known.delete(topic);
    this.#arrived.delete(topic);
    return this.layout(topic, signal);
  }

  /** The layout, refreshed once if `partition` is not in it; PartitionNotFoundError if it still is not. */
  async withPartition(topic: string, partition: number, signal?: AbortSignal): Promise<TopicLayout> {
    let layout = await this.layout(topic, signal);
    if (partition < layout.partitions) return layout;
    layout = await this.refresh(topic, signal);
    if (partition < layout.partitions) return layout;
    throw new PartitionNotFoundError(
      "PARTITION_NOT_FOUND",
      `Topic ${topic} has ${layout.partitions} partitions; there is no partition ${partition}`,
      { details: { partitions: layout.partitions } },
    );
  }

  async #describe(topic: string, signal?: AbortSignal): Promise<TopicLayout> {
    const answer = await this.http.call<{ config: { partitions: number }; partitions: DescribedPartition[] }>(
      "GET",
      this.http.api(`topics/${encodeURIComponent(topic)}`),
      { retry: true, signal },
    );
    const count = answer.body.config?.partitions;
    if (!Number.isInteger(count) || count < 1) {
      throw new KafkaError("BAD_ANSWER", `Topic ${topic} was described without a partition count`);
    }
    // A partition whose stream is gone is missing from the description; it keeps its place.
    const described = new Map(answer.body.partitions.map((p) => [p.partition, this.#relative(p.path)]));
    const any = described.values().next().value;
    const folder = any === undefined ? `topics/${topic}` : any.slice(0, any.lastIndexOf("/"));
    const paths = Array.from({ length: count }, (_, i) => described.get(i) ?? `${folder}/${i}`);
    return { name: topic, partitions: count, paths };
  }

  /** `/v1/stream/topics/orders/0` → `topics/orders/0` (transactions name streams relative to the root). */
  #relative(path: string): string {
    const prefix = `${this.#rootPath}/`;
    return path.startsWith(prefix) ? path.slice(prefix.length) : path.replace(/^\/+/, "");
  }
}
