/**
 * A consumer group's page (`/ui/groups/<id>`): its state and members with their assignment,
 * the lag of every partition as a chart over time, the committed offsets, and resetting them.
 * The lag chart is the page's own history: it polls the group's offsets once a second while
 * open (the server keeps no lag history) and keeps five minutes. The description refreshes
 * every five seconds.
 */
import { useState } from "preact/hooks";
import { describeGroup, type GroupOffsets, groupOffsets } from "../api/groups.js";
import { usePoll } from "../api/poller.js";
import { usePolled } from "../api/use-polled.js";
import { LineChart } from "../components/line-chart.js";
import { Stat } from "../components/stat.js";
import { Failed, Loading } from "../components/states.js";
import { useConfig } from "../config-context.js";
import { formatBytes, formatCount } from "../lib/format.js";
import { addLag, EMPTY_LAG, type LagSeries, lagColumns, latestTotal } from "../lib/lag-series.js";
import { seriesColor } from "../lib/palette.js";
import { GroupMembers } from "./group-members.js";
import { ResetOffsets } from "./group-reset.js";

const LAG_POLL_MS = 1000;
const DESCRIBE_MS = 5000;
/** Five minutes of one point a second. */
const WINDOW = 300;

export function GroupPage({ name }: { name: string }) {
  const { basePath } = useConfig();
  const group = usePolled(() => describeGroup(basePath, name), DESCRIBE_MS, name);
  const [offsets, setOffsets] = useState<GroupOffsets | undefined>();
  const [series, setSeries] = useState<LagSeries>(EMPTY_LAG);
  const [lagFailure, setLagFailure] = useState<unknown>();
  usePoll(
    async () => {
      try {
        const answer = await groupOffsets(basePath, name);
        const points = answer.offsets.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          messages: o.lag.messages,
        }));
        setSeries((held) => addLag(held, Date.now(), points, WINDOW));
        setOffsets(answer);
        setLagFailure(undefined);
      } catch (error) {
        setLagFailure(error);
      }
    },
    LAG_POLL_MS,
    true,
    name,
  );

  const view = group.data;
  if (view === undefined) {
    return (
      <>
        <h1>{name}</h1>
        {group.failure === undefined ? (
          <Loading what="the group" />
        ) : (
          <Failed error={group.failure} retry={group.reload} />
        )}
      </>
    );
  }
  return (
    <>
      <div class="title">
        <h1>{view.group}</h1>
        <span class={`badge ${view.state}`} data-group-state={view.state}>
          {view.state}
        </span>
      </div>
      {group.failure !== undefined && <Failed error={group.failure} retry={group.reload} />}
      <section class="stats" aria-label="Group">
        <Stat label="Members" value={String(view.member_count)} />
        <Stat label="Epoch" value={String(view.group_epoch)} />
        <Stat label="Assignor" value={view.assignor} />
        <Stat label="Lag" value={lagText(offsets?.lag.messages ?? view.lag.messages)} />
      </section>
      {lagFailure !== undefined && <Failed error={lagFailure} />}
      <LineChart
        id="lag"
        title="Lag per partition (messages)"
        lines={series.keys.map((key, index) => ({ label: key, color: seriesColor(index) }))}
        data={lagColumns(series)}
        last={latestTotal(series)}
        format={formatCount}
        emptyText="No lag known yet: a partition has lag once the group committed an offset in it."
      />
      <div class="two-columns">
        <GroupMembers members={view.members} />
        <section class="card">
          <h2>Committed offsets</h2>
          <table class="grid" data-rows={offsets?.offsets.length ?? 0}>
            <thead>
              <tr>
                <th>Partition</th>
                <th class="num">Committed seq</th>
                <th class="num">Next seq</th>
                <th class="num">Lag</th>
                <th class="num">Lag bytes</th>
              </tr>
            </thead>
            <tbody>
              {(offsets?.offsets ?? []).map((o) => (
                <tr key={`${o.topic}/${o.partition}`} data-lag={o.lag.messages ?? ""}>
                  <td>
                    {o.topic}/{o.partition}
                  </td>
                  <td class="num">{o.committed === null ? "—" : o.committed.seq}</td>
                  <td class="num">{o.next_seq}</td>
                  <td class="num">{formatCount(o.lag.messages)}</td>
                  <td class="num">{formatBytes(o.lag.bytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <ResetOffsets
        basePath={basePath}
        group={view.group}
        topics={groupTopics(view.topics, offsets)}
        members={view.member_count}
        onDone={group.reload}
      />
    </>
  );
}

function lagText(messages: number | null): string {
  return messages === null ? "unknown (nothing committed)" : `${formatCount(messages)} messages`;
}

/** The topics a reset may name: those members subscribe to, and those the group has offsets in (an empty group has no members). */
function groupTopics(subscribed: Readonly<Record<string, number>>, offsets: GroupOffsets | undefined): string[] {
  return [...new Set([...Object.keys(subscribed), ...(offsets?.offsets.map((o) => o.topic) ?? [])])].sort();
}
