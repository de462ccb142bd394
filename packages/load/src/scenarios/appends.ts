/**
 * Scenario 1, durable appends: JSON appends of `bodyBytes` from `connections` connections,
 * rotating over the streams, for each of `streamCounts` stream counts. Peak throughput from a
 * closed loop (each connection sends its next append when the last is answered); latency from
 * an open model at rates the driver picks from that peak (appends due at a fixed rate whatever
 * the answers, latency counted from each one's due time, so queueing counts).
 */
import { count, perSecond } from "../format/counts.js";
import type { ClosedLoopResult } from "../generators/append-closed-loop.js";
import type { OpenLoopResult } from "../generators/append-open-loop.js";
import { type Spread, spread } from "../measure/stats.js";
import { endpoint, repeat, type ScenarioRun, serverPid } from "./scenario-run.js";

export interface AppendsSizes {
  readonly streamCounts: readonly number[];
  readonly connections: number;
  readonly bodyBytes: number;
  /** Measured seconds of each closed-loop run. */
  readonly peakSeconds: number;
  /** Measured seconds of each open-model run. */
  readonly openSeconds: number;
  /** Unrecorded load before each run (each run's generator starts cold). */
  readonly warmupSeconds: number;
  /** After an open-model run's last send, how long its answers are waited for. */
  readonly drainMs: number;
  /**
   * The same when the rate offered is over 1.2 × the peak: the server's backlog only grows, so
   * the figure is a miss either way and its leftovers need not be waited for long.
   */
  readonly overloadDrainMs: number;
}

export interface AppendsChoices {
  /** The open-model rates for `streams` streams, given their peak. */
  rates(streams: number, peak: Spread): readonly number[];
  /** Create the streams first (default); a server that stores nothing needs none. */
  readonly createStreams?: boolean;
}

export interface OpenModelRuns {
  readonly rate: number;
  readonly runs: readonly OpenLoopResult[];
}

export interface AppendsMeasurement {
  readonly streams: number;
  readonly peaks: readonly ClosedLoopResult[];
  /** Peak appends per second over the runs. */
  readonly peak: Spread;
  readonly open: readonly OpenModelRuns[];
}

const OVERLOAD = 1.2;

export async function measureAppends(
  run: ScenarioRun,
  sizes: AppendsSizes,
  choices: AppendsChoices,
): Promise<AppendsMeasurement[]> {
  const prefix = run.target.path("appends-");
  if (choices.createStreams !== false) await createAll(run, sizes, prefix);
  const measured: AppendsMeasurement[] = [];
  for (const streams of sizes.streamCounts) {
    const load = {
      ...endpoint(run.target),
      paths: Array.from({ length: streams }, (_, index) => `${prefix}${index}`),
      connections: sizes.connections,
      bodyBytes: sizes.bodyBytes,
      warmupSeconds: sizes.warmupSeconds,
      ...serverPid(run.target),
    };
    run.progress(`appends: ${count(streams)} stream(s), peak`);
    const peakMs = (sizes.warmupSeconds + sizes.peakSeconds) * 1000;
    const peaks = await repeat(run.runs, () =>
      run.jobs("appendClosedLoop", { ...load, seconds: sizes.peakSeconds }, peakMs + 60_000),
    );
    const peak = spread(peaks.map((result) => result.perSecond));
    const open: OpenModelRuns[] = [];
    for (const rate of choices.rates(streams, peak)) {
      run.progress(`appends: ${count(streams)} stream(s), latency at ${perSecond(rate)}`);
      const drainMs = rate > OVERLOAD * peak.median ? sizes.overloadDrainMs : sizes.drainMs;
      const openMs = (sizes.warmupSeconds + sizes.openSeconds) * 1000 + drainMs;
      const runs = await repeat(run.runs, () =>
        run.jobs("appendOpenLoop", { ...load, seconds: sizes.openSeconds, rate, drainMs }, openMs + 80_000),
      );
      open.push({ rate, runs });
    }
    measured.push({ streams, peaks, peak, open });
  }
  return measured;
}

async function createAll(run: ScenarioRun, sizes: AppendsSizes, prefix: string): Promise<void> {
  const streams = Math.max(...sizes.streamCounts);
  run.target.createdRange(prefix, streams);
  run.progress(`appends: creating ${count(streams)} stream(s)`);
  const created = await run.jobs(
    "createStreams",
    {
      ...endpoint(run.target),
      prefix,
      first: 0,
      count: streams,
      contentType: "application/json",
      connections: Math.min(sizes.connections, streams),
      timeoutMs: 600_000,
      attempts: run.createAttempts,
    },
    660_000,
  );
  if (created.created !== streams)
    throw new Error(`created ${created.created} of ${streams} streams: ${created.firstError}`);
}
