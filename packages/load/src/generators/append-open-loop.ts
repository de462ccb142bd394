/**
 * Job: append latency under a fixed arrival rate (open model). Request i is due at
 * start + i / rate whether or not earlier ones were answered, and its latency is measured
 * from that intended time, so a stalled server cannot hide its stall by slowing the sender
 * (no coordinated omission). Requests that find every connection busy wait in the pool's
 * queue, and that wait counts.
 */

import { openPool, send } from "../http-pool.js";
import { type CpuShare, cpuWindow } from "../measure/cpu.js";
import { type LatencySummary, latencyHistogram, recordMs, summarise } from "../measure/histogram.js";
import { jsonMessage } from "../payload.js";
import type { AppendLoadParams } from "./append-closed-loop.js";

export interface OpenLoopParams extends AppendLoadParams {
  /** Appends per second. */
  readonly rate: number;
  /** After the last send, how long to wait for answers before giving up on them. */
  readonly drainMs: number;
  /**
   * Seconds sent at the same rate before the measured ones and not recorded: the generator
   * is a fresh process, and its first moments (JIT, connection set-up) are not the server's.
   */
  readonly warmupSeconds: number;
}

export interface OpenLoopResult {
  readonly rate: number;
  readonly sent: number;
  readonly completed: number;
  readonly errors: number;
  /** Not answered by the drain deadline (abandoned; not errors). */
  readonly unfinished: number;
  /** Answers per second over the whole run, drain included. */
  readonly achievedPerSecond: number;
  readonly latency: LatencySummary;
  readonly cpu: CpuShare;
  readonly firstError?: string;
}

const NO_CPU: CpuShare = { serverPercent: Number.NaN, generatorPercent: Number.NaN, otherPercent: Number.NaN };

export async function appendOpenLoop(params: OpenLoopParams): Promise<OpenLoopResult> {
  const pool = openPool(params.origin, params.connections, params.headers);
  const body = jsonMessage(params.bodyBytes);
  const headers = { "content-type": "application/json" };
  const histogram = latencyHistogram();
  const warmup = Math.round(params.rate * params.warmupSeconds);
  const total = warmup + Math.max(1, Math.round(params.rate * params.seconds));
  const interval = 1000 / params.rate;
  let sent = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const pending = new Set<Promise<void>>();
  let endCpu: (() => Promise<CpuShare>) | undefined;
  const start = performance.now();
  const measuredStart = start + warmup * interval;

  const fire = (i: number) => {
    const intended = start + i * interval;
    const measured = i >= warmup;
    const path = params.paths[i % params.paths.length]!;
    const request = send(pool, "POST", path, headers, body).then(
      (answer) => {
        if (!measured) return;
        if (answer.status >= 300) {
          errors++;
          firstError ??= `POST ${path} answered ${answer.status}`;
        } else completed++;
        recordMs(histogram, performance.now() - intended);
      },
      (error: unknown) => {
        if (!measured) return;
        errors++;
        firstError ??= String(error);
      },
    );
    pending.add(request);
    void request.finally(() => pending.delete(request));
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < due) {
        if (sent === warmup) void cpuWindow(params.serverPid).then((end) => (endCpu = end));
        fire(sent++);
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });

  const drainEnd = performance.now() + params.drainMs;
  while (pending.size > 0 && performance.now() < drainEnd) {
    await Promise.race([Promise.allSettled([...pending]), new Promise((r) => setTimeout(r, 100))]);
  }
  const unfinished = pending.size;
  // Unanswered requests count with the latency they had reached when we gave up.
  for (let i = 0; i < unfinished; i++) recordMs(histogram, performance.now() - start - (total - 1) * interval);
  const elapsed = (performance.now() - measuredStart) / 1000;
  const cpu = endCpu ? await endCpu() : NO_CPU;
  // Requests abandoned here are counted as unfinished, not as errors.
  await pool.destroy();
  return {
    rate: params.rate,
    sent: sent - warmup,
    completed,
    errors,
    unfinished,
    achievedPerSecond: completed / elapsed,
    latency: summarise(histogram),
    cpu,
    ...(firstError ? { firstError } : {}),
  };
}
