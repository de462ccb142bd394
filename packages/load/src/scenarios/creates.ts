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
}

export interface CreatesMeasurement extends CreateStreamsResult {
  /** RSS growth over the creates per stream created (NaN without the server's pid). */
  readonly rssPerStreamBytes: number;
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
  if (measured) await sleep((sizes.settleSeconds ?? 1) * 1000);
  const growth = (await rssIfKnown(run.target.serverPid)) - rssBefore;
  return { ...result, rssPerStreamBytes: growth / Math.max(1, result.created) };
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
