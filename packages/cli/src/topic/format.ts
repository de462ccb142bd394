/** How `rivulet topic` prints topics: a table for `ls`, settings and partitions for `describe`. */
import type { TopicDescription, TopicSummary } from "@rivulet/kafka";
import { colorsFor } from "../colors.js";
import { formatBytes, formatDuration, formatTable } from "../output/format.js";

const orDash = <T>(value: T | null, show: (value: T) => string) => (value === null ? "-" : show(value));

function retention(topic: TopicSummary): string {
  if (topic.cleanupPolicy === "compact") return `tombstones ${formatDuration(topic.deleteRetentionMs)}`;
  const parts = [
    topic.retentionMs === null ? undefined : formatDuration(topic.retentionMs),
    topic.retentionBytes === null ? undefined : `${formatBytes(topic.retentionBytes)}/partition`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? "server default" : parts.join(", ");
}

export function topicTable(topics: readonly TopicSummary[]): string {
  const c = colorsFor(process.stdout);
  const rows = topics.map((topic) => [
    topic.name,
    String(topic.partitions),
    topic.cleanupPolicy,
    retention(topic),
    topic.createdAt.toISOString(),
  ]);
  const header = ["TOPIC", "PARTITIONS", "CLEANUP", "RETENTION", "CREATED"].map((title) => c.bold(title));
  return formatTable(header, rows, new Set([1]));
}

export function topicDetails(topic: TopicDescription): string {
  const c = colorsFor(process.stdout);
  const fields: [string, string][] = [
    ["name", topic.name],
    ["partitions", String(topic.partitions)],
    ["cleanup policy", topic.cleanupPolicy],
    ["retention", orDash(topic.retentionMs, formatDuration)],
    ["retention bytes", orDash(topic.retentionBytes, formatBytes)],
    ["delete retention", formatDuration(topic.deleteRetentionMs)],
    ["created", topic.createdAt.toISOString()],
    ["revision", String(topic.revision)],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.map(([name, value]) => `${name.padEnd(width)}  ${value}`);
  const partitions = formatTable(
    ["PARTITION", "RECORDS", "EARLIEST SEQ", "NEXT SEQ", "SIZE", "NEXT OFFSET", "PATH"].map((title) => c.bold(title)),
    topic.partitionDetails.map((p) => [
      String(p.partition),
      String(p.nextSeq - p.earliestSeq),
      String(p.earliestSeq),
      String(p.nextSeq),
      formatBytes(p.bytes),
      p.nextOffset,
      p.path,
    ]),
    new Set([0, 1, 2, 3, 4]),
  );
  return [...lines, "", partitions].join("\n");
}

/** Descriptions as JSON: dates as ISO strings, as the server has them. */
export function topicJson(topic: TopicSummary | TopicDescription): string {
  return JSON.stringify(topic, null, 2);
}
