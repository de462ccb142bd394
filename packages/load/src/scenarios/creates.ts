/**
 * Scenario 5, many streams: empty JSON streams created from a closed loop of connections; the
 * creation rate, and with the server's pid its RSS growth per idle stream. One measurement: a
 * driver that repeats it starts a fresh server for each.
 */
import { count } from "../format/counts.js";
import type { CreateStreamsResult } from "../generators/create-streams.js";
import { sleep } from "../measure/clock.js";
import { rssIfKnown } from "../measure/rss.js";
import { endpoint, type ScenarioRun } from "./scenario-run.js";

export interface CreatesSizes {
  readonly streams: number;
  readonly connections: number;
  /**
   * Streams created first, unmeasured, so that the server's code paths are warm and its RSS
   * settled before the measured ones (0: none).
   */
  readonly warmupStreams: number;
  /**
   * Seconds between the last create and the RSS reading (default 1): pending commits and
   * short-lived buffers settle, and a server that drops unused streams from memory after a
   * delay gets to do so, so that the streams measured are idle ones.
   */
  readonly settleSeconds?: number;
  /**
   * With this many seconds, RSS is read a second time that long after the last create
   * (`rssPerIdleStreamBytes`): V8 keeps the young generation it grew during the creates until
   * the process has been idle for most of a minute (Rivulet, 1M streams: 799 B per stream
   * from 1 s to 30 s after the last create, 429 B from 60 s on), so the first reading counts
   * memory no stream holds.
   */
  readonly idleSeconds?: number;
}

export interface CreatesMeasurement extends CreateStreamsResult {
  /** RSS growth over the creates per stream created (NaN without the server's pid). */
  readonly rssPerStreamBytes: number;
  /** The same, `idleSeconds` after the last create (NaN without `idleSeconds` or the pid). */
  readonly rssPerIdleStreamBytes: number;
}

export async function measureCreates(run: ScenarioRun, sizes: CreatesSizes): Promise<CreatesMeasurement> {
  const measured = run.target.serverPid !== undefined;
  if (sizes.warmupStreams > 0) {
    await create(run, "creates-warm-", sizes.warmupStreams, sizes.connections);
    if (measured) await sleep(500);
  }
  const rssBefore = await rssIfKnown(run.target.serverPid);
  run.progress(`creates: ${count(sizes.streams)} streams`);
  const result = await create(run, "creates-", sizes.streams, sizes.connections);
  const created = performance.now();
  const perStream = async (afterSeconds: number) => {
    await sleep(afterSeconds * 1000 - (performance.now() - created));
    return ((await rssIfKnown(run.target.serverPid)) - rssBefore) / Math.max(1, result.created);
  };
  const settled = measured ? await perStream(sizes.settleSeconds ?? 1) : Number.NaN;
  const idle = measured && sizes.idleSeconds !== undefined ? await perStream(sizes.idleSeconds) : Number.NaN;
  return { ...result, rssPerStreamBytes: settled, rssPerIdleStreamBytes: idle };
}

function create(run: ScenarioRun, name: string, streams: number, connections: number): Promise<CreateStreamsResult> {
  // Ten minutes, or longer for a million streams on a busy machine (at least 500 creates/s).
  const timeoutMs = Math.max(600_000, streams * 2);
  const prefix = run.target.path(name);
  run.target.createdRange(prefix, streams);
  return run.jobs(
    "createStreams",
    {
      ...endpoint(run.target),
      prefix,
      first: 0,
      count: streams,
      contentType: "application/json",
      connections: Math.min(connections, streams),
      timeoutMs,
      attempts: run.createAttempts,
    },
    timeoutMs + 60_000,
  );
}
