/**
 * Job: the highest append rate that N live readers keep up with. The rate steps up; a step is
 * held when every reader received every message of the step, the appends kept the schedule,
 * and the p99 delivery latency stayed within the limit. Stops at the first step not held.
 */

import type { TargetHeaders } from "../http-pool.js";
import { sleep } from "../measure/clock.js";
import { type CpuShare, cpuWindow } from "../measure/cpu.js";
import { type LatencySummary, summarise } from "../measure/histogram.js";
import { ScheduledAppender } from "./appender.js";
import { Deliveries } from "./deliveries.js";
import { type LiveMode, SubscriberGroup, targetOf } from "./subscriber-group.js";

export interface FanOutRampParams {
  readonly origin: string;
  /** Sent with every request (credentials). */
  readonly headers?: TargetHeaders;
  readonly path: string;
  readonly mode: LiveMode;
  readonly subscribers: number;
  /** Appends per second, ascending. */
  readonly rates: readonly number[];
  readonly stepSeconds: number;
  readonly p99LimitMs: number;
  readonly messageBytes: number;
  readonly connectBatch: number;
  readonly attachTimeoutMs: number;
  /**
   * Connections the appends go out on (default 64, as scenario 1's). Each append waits for its
   * fsync: on 16, 2,000 appends a second fell behind their schedule in the generator
   * (6.6k–7.6k of 10k sent in 5 s; 9.3k on 64, the rest the generator's own CPU).
   */
  readonly appendConnections?: number;
  /** The server's pid when it runs on this machine: adds its CPU share per step. */
  readonly serverPid?: number;
}

export interface RampStep {
  readonly rate: number;
  readonly appended: number;
  readonly delivered: number;
  readonly expected: number;
  readonly latency: LatencySummary;
  readonly held: boolean;
  /** Who was busy during the step (server, this generator, the rest of the machine). */
  readonly cpu: CpuShare;
}

export interface FanOutRampResult {
  readonly attached: number;
  readonly steps: readonly RampStep[];
  /** The highest rate held (0 if none). */
  readonly highestHeld: number;
}

export async function fanOutRamp(params: FanOutRampParams): Promise<FanOutRampResult> {
  const connections = params.appendConnections ?? 64;
  const appender = new ScheduledAppender(params.origin, params.path, params.messageBytes, connections, params.headers);
  const deliveries = new Deliveries(params.subscribers);
  const group = new SubscriberGroup(targetOf(params.origin, params.path, params.headers), params.mode, deliveries);
  try {
    const tail = await appender.create();
    const connectStart = performance.now();
    await group.open(params.subscribers, tail, params.connectBatch, connectStart + params.attachTimeoutMs);
    await sleep(Math.min(3000, 500 + params.subscribers / 10));
    deliveries.expect(0, performance.now());
    appender.append(0);
    await deliveries.waitForAll(0, 1, params.attachTimeoutMs);
    const attached = deliveries.receivedBy(0);
    await sleep(300);

    const steps: RampStep[] = [];
    let seq = 1;
    let highestHeld = 0;
    for (const rate of params.rates) {
      const count = Math.max(1, Math.round(rate * params.stepSeconds));
      const first = seq;
      const completedBefore = appender.completed;
      const errorsBefore = appender.errors;
      deliveries.startRecording(first);
      const endCpu = await cpuWindow(params.serverPid);
      await appender.schedule(first, count, rate, performance.now(), (s, at) => deliveries.expect(s, at));
      seq += count;
      await deliveries.waitForAll(first, seq, 2000);
      const latency = summarise(deliveries.detach());
      const cpu = await endCpu();
      const delivered = deliveries.deliveredBetween(first, seq);
      const expected = count * params.subscribers;
      const appended = appender.completed - completedBefore;
      const held = delivered === expected && appender.errors === errorsBefore && latency.p99 <= params.p99LimitMs;
      steps.push({ rate, appended, delivered, expected, latency, held, cpu });
      if (!held) break;
      highestHeld = rate;
      await sleep(300);
    }
    return { attached, steps, highestHeld };
  } finally {
    group.close();
    await appender.close();
  }
}
