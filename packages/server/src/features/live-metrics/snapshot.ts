/**
 * A snapshot of the server's own cumulative counters, read from its Prometheus registry by
 * metric name (the names /metrics publishes, so this reads exactly what scrapers see), and
 * the process's CPU time and memory (read from the process: prom-client updates its process
 * metrics only when the whole registry is rendered).
 */
import type { Registry } from "prom-client";

export interface Snapshot {
  /** ms since the epoch. */
  readonly at: number;
  readonly appends: number;
  readonly appendBytes: number;
  /** Catch-up reads, long-polls and SSE sessions, whatever their status. */
  readonly reads: number;
  /** Responses with a 5xx status. */
  readonly serverErrors: number;
  /** Responses with a 4xx status (bad requests, refusals, missing streams). */
  readonly clientErrors: number;
  readonly liveConnections: number;
  /** Cumulative commit-time histogram: [upper bound in seconds, count at or below it]. */
  readonly commitBuckets: ReadonlyArray<readonly [number, number]>;
  readonly commits: number;
  readonly storeBytes: number | undefined;
  readonly streams: number;
  readonly cpuSeconds: number | undefined;
  readonly rssBytes: number | undefined;
}

const READS = new Set(["read", "long-poll", "sse"]);

interface Value {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

export async function takeSnapshot(registry: Registry, at: number): Promise<Snapshot> {
  const values = async (name: string): Promise<Value[]> =>
    ((await registry.getSingleMetric(name)?.get())?.values as Value[] | undefined) ?? [];
  const sum = (list: Value[], keep: (value: Value) => boolean = () => true) =>
    list.reduce((total, value) => (keep(value) ? total + value.value : total), 0);
  const single = async (name: string) => (await values(name))[0]?.value;
  const requests = await values("rivulet_http_requests_total");
  const status = (value: Value) => Number(value.labels.status);
  const commit = await values("rivulet_store_commit_seconds");
  return {
    at,
    appends: sum(await values("rivulet_appends_total")),
    appendBytes: sum(await values("rivulet_append_bytes_total")),
    reads: sum(requests, (value) => READS.has(String(value.labels.operation))),
    serverErrors: sum(requests, (value) => status(value) >= 500),
    clientErrors: sum(requests, (value) => status(value) >= 400 && status(value) < 500),
    liveConnections: sum(await values("rivulet_live_connections")),
    commitBuckets: commit
      .filter((value) => value.metricName?.endsWith("_bucket"))
      .map((value) => [Number(value.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : value.labels.le), value.value]),
    commits: sum(commit, (value) => value.metricName?.endsWith("_count") === true),
    storeBytes: await single("rivulet_store_bytes"),
    streams: (await single("rivulet_streams")) ?? 0,
    cpuSeconds: cpuSeconds(),
    rssBytes: process.memoryUsage.rss(),
  };
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
