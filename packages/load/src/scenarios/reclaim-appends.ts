/**
 * Appends while Rivulet's retention reclaims a large stream (docs/extensions.md): the latency of
 * appends at a fixed rate (open model) to other streams, once with nothing else going on and
 * once while retention frees `reclaimBytes` from the head of a stream filled for it, in turn
 * from run to run (which goes first alternates) so both see the same machine. Each run fills
 * its stream afresh and then runs the load unrecorded for a while, so the fill's write-back is
 * behind both measurements alike.
 */
import { bytes, ms } from "../format/figures.js";
import type { OpenLoopResult } from "../generators/append-open-loop.js";
import type { ReclaimParams, ReclaimResult } from "../generators/reclaim.js";
import { endpoint, nameInRun, rootRelative, type ScenarioRun, serverPid } from "./scenario-run.js";

export interface ReclaimAppendsSizes {
  /** What retention frees: the stream holds this much more than it keeps. */
  readonly reclaimBytes: number;
  /** The server's storage unit (`--segment-size`). */
  readonly unitBytes: number;
  /** Bytes per append while filling the stream. */
  readonly requestBytes: number;
  /** Streams the measured appends rotate over. */
  readonly streams: number;
  readonly connections: number;
  readonly bodyBytes: number;
  /** Appends per second. */
  readonly rate: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly drainMs: number;
  /**
   * Seconds of the same load, unrecorded, after each fill: the fill's write-back slows fsyncs for
   * a while, and must be behind both measurements (0: none).
   */
  readonly settleSeconds: number;
  /** Runs (a fill, a quiet and a reclaiming measurement each); the figures are their medians. */
  readonly runs: number;
}

export interface ReclaimAppendsRun {
  readonly quiet: OpenLoopResult;
  readonly reclaiming: OpenLoopResult;
  readonly reclaim: ReclaimResult;
  /** Whether the quiet measurement ran first in this run. */
  readonly quietFirst: boolean;
}

const FILL_TIMEOUT_MS = 600_000;
/** What the reclaimed stream keeps: a little, so almost all of it goes. */
const RETAIN_BYTES = 1 << 20;

export async function measureReclaimAppends(
  run: ScenarioRun,
  sizes: ReclaimAppendsSizes,
): Promise<ReclaimAppendsRun[]> {
  const prefix = run.target.path("reclaim-appends-");
  run.target.createdRange(prefix, sizes.streams);
  const created = await run.jobs(
    "createStreams",
    {
      ...endpoint(run.target),
      prefix,
      first: 0,
      count: sizes.streams,
      contentType: "application/json",
      connections: Math.min(sizes.connections, sizes.streams),
      timeoutMs: 60_000,
      attempts: run.createAttempts,
    },
    120_000,
  );
  if (created.created !== sizes.streams) {
    throw new Error(`created ${created.created} of ${sizes.streams} streams: ${created.firstError}`);
  }
  const load = {
    ...endpoint(run.target),
    paths: Array.from({ length: sizes.streams }, (_, index) => `${prefix}${index}`),
    connections: sizes.connections,
    bodyBytes: sizes.bodyBytes,
    warmupSeconds: sizes.warmupSeconds,
    seconds: sizes.seconds,
    rate: sizes.rate,
    drainMs: sizes.drainMs,
    ...serverPid(run.target),
  };
  const loadMs = (sizes.warmupSeconds + sizes.seconds) * 1000 + sizes.drainMs + 80_000;
  const appends = async (reclaim?: ReclaimParams) =>
    run.jobs("appendsReclaiming", { appends: load, ...(reclaim ? { reclaim } : {}) }, loadMs + 120_000);
  const runs: ReclaimAppendsRun[] = [];
  for (let i = 0; i < sizes.runs; i++) {
    const name = nameInRun("reclaimed", i);
    const path = run.target.path(name);
    run.target.created(path);
    run.progress(
      `reclaim: filling ${bytes(sizes.reclaimBytes + sizes.unitBytes)} to reclaim ${bytes(sizes.reclaimBytes)}`,
    );
    await run.jobs(
      "fillStream",
      {
        ...endpoint(run.target),
        path,
        json: false,
        totalBytes: sizes.reclaimBytes + sizes.unitBytes,
        requestBytes: sizes.requestBytes,
        messageBytes: 0,
        timeoutMs: FILL_TIMEOUT_MS,
      },
      FILL_TIMEOUT_MS + 60_000,
    );
    if (sizes.settleSeconds > 0) {
      run.progress(`reclaim: appends for ${sizes.settleSeconds} s unrecorded, to settle`);
      await run.jobs(
        "appendsReclaiming",
        { appends: { ...load, seconds: sizes.settleSeconds, warmupSeconds: 0 } },
        sizes.settleSeconds * 1000 + loadMs + 120_000,
      );
    }
    const quietFirst = i % 2 === 0;
    const quietRun = async () => (await appends()).appends;
    const quiet = quietFirst ? await quietRun() : undefined;
    run.progress("reclaim: appends while retention frees the stream's head");
    const during = await appends({
      ...endpoint(run.target),
      path,
      settingsPath: settingsPath(run, path),
      retainBytes: RETAIN_BYTES,
      unitBytes: sizes.unitBytes,
      delayMs: sizes.warmupSeconds * 1000,
      pollMs: 100,
      timeoutMs: 120_000,
    });
    const reclaimed = during.reclaim;
    if (!reclaimed) throw new Error("the reclaiming run reported no reclaim");
    const quietAfter = quiet ?? (await quietRun());
    run.progress(
      `reclaim: freed ${bytes(reclaimed.freedBytes)} in ${ms(reclaimed.seconds * 1000)}; append p99 ${ms(quietAfter.latency.p99)} quiet, ${ms(during.appends.latency.p99)} reclaiming`,
    );
    runs.push({ quiet: quietAfter, reclaiming: during.appends, reclaim: reclaimed, quietFirst });
  }
  return runs;
}

/** Rivulet's settings resource of a stream: `{root}/__ds/streams/{path under the root}`. */
function settingsPath(run: ScenarioRun, path: string): string {
  return `${run.target.root}/__ds/streams/${rootRelative(run.target, path)}`;
}
