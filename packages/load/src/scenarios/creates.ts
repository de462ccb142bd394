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
  // Let the server settle (pending commits, short-lived buffers) before its RSS is read.
  if (measured) await sleep(1000);
  const growth = (await rssIfKnown(run.target.serverPid)) - rssBefore;
  return { ...result, rssPerStreamBytes: growth / Math.max(1, result.created) };
}

function create(run: ScenarioRun, name: string, streams: number, connections: number): Promise<CreateStreamsResult> {
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
      timeoutMs: 600_000,
      attempts: run.createAttempts,
    },
    660_000,
  );
}
