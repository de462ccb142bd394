/**
 * Job: peak append throughput. A closed loop: each connection sends its next append as soon
 * as the previous one is answered, for a fixed time.
 */

import { openPool, send, type TargetHeaders } from "../http-pool.js";
import { type CpuShare, cpuWindow } from "../measure/cpu.js";
import { type LatencySummary, latencyHistogram, recordMs, summarise } from "../measure/histogram.js";
import { jsonMessage } from "../payload.js";

export interface AppendLoadParams {
  readonly origin: string;
  /** Sent with every request (credentials). */
  readonly headers?: TargetHeaders;
  /** Appends rotate over these stream paths. */
  readonly paths: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  readonly bodyBytes: number;
  /** For the CPU figures. */
  readonly serverPid?: number;
  /** Seconds of load before the measured ones, not counted (a fresh generator warms up). */
  readonly warmupSeconds: number;
}

export interface ClosedLoopResult {
  readonly completed: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Service time under saturation (closed loop: not a latency figure to quote). */
  readonly latency: LatencySummary;
  readonly cpu: CpuShare;
  readonly firstError?: string;
}

export async function appendClosedLoop(params: AppendLoadParams): Promise<ClosedLoopResult> {
  const pool = openPool(params.origin, params.connections, params.headers);
  const body = jsonMessage(params.bodyBytes);
  const headers = { "content-type": "application/json" };
  const histogram = latencyHistogram();
  const paths = params.paths;
  let index = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const measureFrom = started + params.warmupSeconds * 1000;
  const end = measureFrom + params.seconds * 1000;
  let endCpu = await cpuWindow(params.serverPid);
  const cpuStart = setTimeout(
    () => void cpuWindow(params.serverPid).then((e) => (endCpu = e)),
    params.warmupSeconds * 1000,
  );
  const worker = async () => {
    while (performance.now() < end) {
      const path = paths[index++ % paths.length]!;
      const sent = performance.now();
      const measured = sent >= measureFrom;
      try {
        const answer = await send(pool, "POST", path, headers, body);
        if (!measured) continue;
        if (answer.status >= 300) {
          errors++;
          firstError ??= `POST ${path} answered ${answer.status}`;
        } else completed++;
      } catch (error) {
        if (!measured) continue;
        errors++;
        firstError ??= String(error);
      }
      recordMs(histogram, performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: params.connections }, worker));
  clearTimeout(cpuStart);
  const seconds = (performance.now() - measureFrom) / 1000;
  const cpu = await endCpu();
  await pool.close();
  return {
    completed,
    errors,
    seconds,
    perSecond: completed / seconds,
    latency: summarise(histogram),
    cpu,
    ...(firstError ? { firstError } : {}),
  };
}
