/**
 * The overview: the server's own counters as live charts over the last five minutes, polled
 * once a second (one request per second per open page, however many charts), and the figures
 * of the newest sample on top.
 */
import { useState } from "preact/hooks";
import { fetchSamples, metricsPace } from "../api/metrics.js";
import { usePoll } from "../api/poller.js";
import { Chart, type Line } from "../components/chart.js";
import { Stat } from "../components/stat.js";
import { Failed, Loading } from "../components/states.js";
import { useConfig } from "../config-context.js";
import { formatBytes, formatCount, formatMs } from "../lib/format.js";
import { latest, mergeSamples, type Sample } from "../lib/series.js";

/** Five minutes at one sample a second: what the server keeps, too. */
const WINDOW = 300;
const POLL_MS = 1000;

const perSecond = (value: number | null) => (value === null ? "—" : `${formatCount(value)}/s`);
const bytesPerSecond = (value: number | null) => (value === null ? "—" : `${formatBytes(value)}/s`);

const CHARTS: ReadonlyArray<{
  id: string;
  title: string;
  lines: Line[];
  format: (value: number | null) => string;
  emptyText?: string;
}> = [
  { id: "appends", title: "Appends", lines: [line("appendsPerSecond", "appends", "#38bdf8")], format: perSecond },
  { id: "bytes", title: "Bytes appended", lines: [line("bytesPerSecond", "bytes", "#a78bfa")], format: bytesPerSecond },
  { id: "reads", title: "Reads", lines: [line("readsPerSecond", "reads", "#34d399")], format: perSecond },
  { id: "live", title: "Live connections", lines: [line("liveConnections", "live", "#fbbf24")], format: formatCount },
  {
    id: "commit",
    title: "Commit latency",
    lines: [line("commitP50Ms", "p50", "#38bdf8"), line("commitP99Ms", "p99", "#f472b6")],
    format: formatMs,
    emptyText: "No commits yet (a memory store never commits).",
  },
  {
    id: "disk",
    title: "Disk use",
    lines: [line("storeBytes", "stored", "#94a3b8")],
    format: formatBytes,
    emptyText: "This store does not report its size.",
  },
  {
    id: "errors",
    title: "Errors",
    lines: [line("serverErrorsPerSecond", "5xx", "#f87171"), line("clientErrorsPerSecond", "4xx", "#fb923c")],
    format: perSecond,
  },
];

function line(field: Line["field"], label: string, color: string): Line {
  return { field, label, color };
}

export function Overview() {
  const { basePath } = useConfig();
  const [samples, setSamples] = useState<Sample[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  usePoll(
    async () => {
      try {
        const after = samples[samples.length - 1]?.seq;
        const answer = await fetchSamples(basePath, after);
        setSamples((held) => mergeSamples(held, answer.samples, WINDOW));
        setFailure(undefined);
      } catch (error) {
        setFailure(error);
      } finally {
        setLoaded(true);
      }
    },
    POLL_MS,
    true,
    0,
    metricsPace,
  );

  return (
    <>
      <h1>Overview</h1>
      {failure !== undefined && <Failed error={failure} />}
      {!loaded && <Loading what="metrics" />}
      {loaded && samples.length === 0 && failure === undefined && (
        <p class="muted" data-state="warming">
          The server takes a sample every second; the charts start with the next one.
        </p>
      )}
      <section class="stats" aria-label="Now">
        <Stat label="Streams" value={formatCount(latest(samples, "streams"))} />
        <Stat label="Appends" value={perSecond(latest(samples, "appendsPerSecond"))} />
        <Stat label="Live connections" value={formatCount(latest(samples, "liveConnections"))} />
        <Stat label="Disk" value={formatBytes(latest(samples, "storeBytes"))} />
        <Stat label="CPU" value={cpu(latest(samples, "cpuPercent"))} />
        <Stat label="Memory" value={formatBytes(latest(samples, "rssBytes"))} />
      </section>
      <section class="charts">
        {CHARTS.map((chart) => (
          <Chart key={chart.id} {...chart} samples={samples} />
        ))}
      </section>
    </>
  );
}

function cpu(percent: number | null): string {
  return percent === null ? "—" : `${Math.round(percent)}%`;
}
