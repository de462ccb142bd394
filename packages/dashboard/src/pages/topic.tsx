/**
 * A topic's page (`/ui/topics/<name>`): its configuration and every partition with its size,
 * messages and message rate (from the partition's next seq between two looks, two seconds
 * apart), each partition linking to its stream's page.
 */
import { useRef, useState } from "preact/hooks";
import { usePoll } from "../api/poller.js";
import { describeTopic, type TopicView } from "../api/topics.js";
import { Link } from "../components/rows.js";
import { Stat } from "../components/stat.js";
import { Failed, Loading } from "../components/states.js";
import { useConfig } from "../config-context.js";
import { formatBytes, formatCount } from "../lib/format.js";
import { type Counted, ratesBetween } from "../lib/rates.js";
import { streamHref } from "../lib/routes.js";
import { streamName } from "../lib/streams.js";
import { topicRetention } from "./topics.js";

const REFRESH_MS = 2000;

export function TopicPage({ name }: { name: string }) {
  const { basePath } = useConfig();
  const [topic, setTopic] = useState<TopicView | undefined>();
  const [rates, setRates] = useState<Map<string, number | null>>(new Map());
  const [failure, setFailure] = useState<unknown>();
  const previous = useRef<Counted | undefined>(undefined);
  const load = async () => {
    try {
      const answer = await describeTopic(basePath, name);
      const counted: Counted = {
        at: performance.now(),
        counts: new Map(answer.partitions.map((p) => [String(p.partition), p.next_seq])),
      };
      setRates(ratesBetween(previous.current, counted));
      previous.current = counted;
      setTopic(answer);
      setFailure(undefined);
    } catch (error) {
      setFailure(error);
    }
  };
  usePoll(load, REFRESH_MS, true, name);

  if (topic === undefined) {
    return (
      <>
        <h1>{name}</h1>
        {failure === undefined ? <Loading what="the topic" /> : <Failed error={failure} retry={load} />}
      </>
    );
  }
  const total = topic.partitions.reduce((sum, p) => sum + p.bytes, 0);
  return (
    <>
      <div class="title">
        <h1>{topic.name}</h1>
        <span class="badge">{topic.config.cleanup_policy}</span>
      </div>
      {failure !== undefined && <Failed error={failure} retry={load} />}
      <section class="stats" aria-label="Topic">
        <Stat label="Partitions" value={formatCount(topic.partitions.length)} />
        <Stat label="Size" value={formatBytes(total)} />
        <Stat label="Retention" value={topicRetention(topic.config)} />
        <Stat label="Revision" value={String(topic.revision)} />
      </section>
      <table class="grid" data-rows={topic.partitions.length}>
        <thead>
          <tr>
            <th class="num">Partition</th>
            <th>Stream</th>
            <th class="num">Size</th>
            <th class="num">Messages</th>
            <th class="num">Rate</th>
            <th>Next offset</th>
          </tr>
        </thead>
        <tbody>
          {topic.partitions.map((p) => {
            const rate = rates.get(String(p.partition));
            const stream = streamName(p.path, basePath);
            return (
              <tr key={p.partition} data-partition={p.partition}>
                <td class="num">{p.partition}</td>
                <td>
                  <Link href={streamHref(stream)}>{stream}</Link>
                </td>
                <td class="num">{formatBytes(p.bytes)}</td>
                <td class="num">{formatCount(p.next_seq - p.earliest_seq)}</td>
                <td class="num">{rate === null || rate === undefined ? "—" : `${formatCount(rate)}/s`}</td>
                <td class="muted mono">{p.next_offset}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
