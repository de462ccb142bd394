/** Topics through the public API (docs/kafka-layer.md, "Topics"): the listing and a topic's description. */
import { getJson } from "./http.js";

export interface TopicConfig {
  readonly partitions: number;
  readonly cleanup_policy: "delete" | "compact";
  readonly retention_ms: number | null;
  readonly retention_bytes: number | null;
  readonly delete_retention_ms: number;
}

export interface TopicSummary {
  readonly name: string;
  readonly config: TopicConfig;
  readonly created_at: string;
  readonly revision: number;
}

export interface PartitionView {
  readonly partition: number;
  readonly path: string;
  readonly earliest_offset: string;
  readonly next_offset: string;
  readonly earliest_seq: number;
  readonly next_seq: number;
  readonly bytes: number;
  readonly cleaned_to?: string;
}

export interface TopicView extends TopicSummary {
  readonly partitions: readonly PartitionView[];
}

export interface TopicPage {
  readonly topics: readonly TopicSummary[];
  readonly next: string | null;
}

export const TOPIC_PAGE = 100;

export function listTopics(basePath: string, after?: string): Promise<TopicPage> {
  return getJson<TopicPage>(`${basePath}/__ds/topics`, { after, limit: TOPIC_PAGE });
}

export function describeTopic(basePath: string, name: string): Promise<TopicView> {
  return getJson<TopicView>(`${basePath}/__ds/topics/${encodeURIComponent(name)}`);
}
