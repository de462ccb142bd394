/**
 * Topics (docs/kafka-layer.md): every topic in name order, a page of 100 at a time, with its
 * partition count, cleanup policy and retention; each opens its own page. Refreshed every five
 * seconds.
 */
import { listTopics, type TopicConfig } from "../api/topics.js";
import { usePolled } from "../api/use-polled.js";
import { Link, Pager, useRowKeys } from "../components/rows.js";
import { Empty, Failed, Loading } from "../components/states.js";
import { useConfig } from "../config-context.js";
import { formatBytes, formatCount, formatMs } from "../lib/format.js";
import { detailHref } from "../lib/routes.js";

const REFRESH_MS = 5000;

export function Topics({ search }: { search: URLSearchParams }) {
  const { basePath } = useConfig();
  const after = search.get("after") ?? undefined;
  const { data, failure, reload } = usePolled(() => listTopics(basePath, after), REFRESH_MS, after);
  const rows = data?.topics ?? [];
  const selected = useRowKeys(rows.length, (row) => rows[row] && detailHref("topics", rows[row].name));
  return (
    <>
      <h1>Topics</h1>
      {failure !== undefined && <Failed error={failure} retry={reload} />}
      {data === undefined && failure === undefined && <Loading what="topics" />}
      {data !== undefined && rows.length === 0 && (
        <Empty title="No topics yet">
          <p>
            Create one with <code>PUT {basePath}/__ds/topics/&lt;name&gt;</code> and a body such as{" "}
            <code>{'{"partitions": 3}'}</code>; it shows here.
          </p>
        </Empty>
      )}
      {rows.length > 0 && (
        <table class="grid" data-rows={rows.length}>
          <thead>
            <tr>
              <th>Name</th>
              <th class="num">Partitions</th>
              <th>Cleanup</th>
              <th>Retention</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((topic, row) => (
              <tr key={topic.name} class={row === selected ? "selected" : undefined} aria-selected={row === selected}>
                <td>
                  <Link href={detailHref("topics", topic.name)}>{topic.name}</Link>
                </td>
                <td class="num">{formatCount(topic.config.partitions)}</td>
                <td>{topic.config.cleanup_policy}</td>
                <td class="muted">{topicRetention(topic.config)}</td>
                <td class="muted">{new Date(topic.created_at).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data !== undefined && <Pager base="/ui/topics" after={after} next={data.next} />}
    </>
  );
}

/** What a topic keeps, in words: its own limits, or the server's default retention. */
export function topicRetention(config: TopicConfig): string {
  if (config.cleanup_policy === "compact") return `compacted; tombstones ${formatMs(config.delete_retention_ms)}`;
  const parts = [
    config.retention_ms === null ? undefined : formatMs(config.retention_ms),
    config.retention_bytes === null ? undefined : `${formatBytes(config.retention_bytes)} per partition`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? "server default" : parts.join(", ");
}
