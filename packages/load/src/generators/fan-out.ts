/**
 * Job: live fan-out latency. N readers (SSE or long-poll) follow one stream; one message is
 * appended per interval; each delivery's latency runs from the append's intended send time to
 * its arrival at the reader. One warm-up message first proves every reader is attached.
 * Also samples the server's RSS before the readers connect and once they are all attached.
 */

import type { TargetHeaders } from "../http-pool.js";
import { sleep } from "../measure/clock.js";
import { type CpuShare, cpuWindow } from "../measure/cpu.js";
import type { LatencySummary } from "../measure/histogram.js";
import { summarise } from "../measure/histogram.js";
import { rssIfKnown } from "../measure/rss.js";
import { ScheduledAppender } from "./appender.js";
import { Deliveries } from "./deliveries.js";
import { type LiveMode, SubscriberGroup, targetOf } from "./subscriber-group.js";

export interface FanOutParams {
  readonly origin: string;
  /** Sent with every request (credentials). */
  readonly headers?: TargetHeaders;
  readonly path: string;
  readonly mode: LiveMode;
  readonly subscribers: number;
  /** Measurement windows over the same readers. */
  readonly runs: number;
  readonly appendsPerRun: number;
  readonly intervalMs: number;
  readonly messageBytes: number;
  /** The server's pid when it runs on this machine: adds its RSS and CPU. */
  readonly serverPid?: number;
  readonly connectBatch: number;
  readonly attachTimeoutMs: number;
  /** After a window's last append, how long to wait for deliveries still missing. */
  readonly deliveryWaitMs: number;
  /** Readers send this Accept-Encoding (appends do not), and decode what comes back. */
  readonly acceptEncoding?: string;
}

export interface FanOutRun {
  readonly latency: LatencySummary;
  readonly delivered: number;
  readonly expected: number;
  /** Per append: ms until the last reader had it (NaN if some never did). */
  readonly everyoneMs: readonly number[];
  readonly cpu: CpuShare;
}

export interface FanOutResult {
  readonly subscribers: number;
  readonly attached: number;
  readonly connectSeconds: number;
  readonly rssBeforeBytes: number;
  readonly rssAttachedBytes: number;
  readonly runs: readonly FanOutRun[];
  readonly reconnects: number;
  readonly failures: number;
  readonly appendErrors: number;
  readonly firstFailure?: string;
}

export async function fanOut(params: FanOutParams): Promise<FanOutResult> {
  const appender = new ScheduledAppender(params.origin, params.path, params.messageBytes, 4, params.headers);
  const deliveries = new Deliveries(params.subscribers);
  const firstFailure = () => deliveries.firstFailure ?? appender.firstError;
  const group = new SubscriberGroup(
    targetOf(params.origin, params.path, readerHeaders(params)),
    params.mode,
    deliveries,
  );
  try {
    const tail = await appender.create();
    await sleep(200);
    const rssBeforeBytes = await rssIfKnown(params.serverPid);
    const connectStart = performance.now();
    await group.open(params.subscribers, tail, params.connectBatch, connectStart + params.attachTimeoutMs);
    const connectSeconds = (performance.now() - connectStart) / 1000;
    await sleep(Math.min(3000, 500 + params.subscribers / 10));

    // Warm-up message 0: every reader that gets it is attached.
    deliveries.expect(0, performance.now());
    appender.append(0);
    await deliveries.waitForAll(0, 1, params.attachTimeoutMs);
    const attached = deliveries.receivedBy(0);
    await sleep(500); // long-poll readers re-poll
    const rssAttachedBytes = await rssIfKnown(params.serverPid);

    const runs: FanOutRun[] = [];
    let seq = 1;
    for (let run = 0; run < params.runs; run++) {
      const first = seq;
      deliveries.startRecording(first);
      const endCpu = await cpuWindow(params.serverPid);
      const start = performance.now() + params.intervalMs;
      await appender.schedule(first, params.appendsPerRun, 1000 / params.intervalMs, start, (s, at) =>
        deliveries.expect(s, at),
      );
      seq += params.appendsPerRun;
      await deliveries.waitForAll(first, seq, params.deliveryWaitMs);
      const histogram = deliveries.detach();
      const cpu = await endCpu();
      const everyoneMs: number[] = [];
      for (let s = first; s < seq; s++) everyoneMs.push(deliveries.everyoneMs(s) ?? Number.NaN);
      runs.push({
        latency: summarise(histogram),
        delivered: deliveries.deliveredBetween(first, seq),
        expected: params.appendsPerRun * params.subscribers,
        everyoneMs,
        cpu,
      });
    }
    return {
      subscribers: params.subscribers,
      attached,
      connectSeconds,
      rssBeforeBytes,
      rssAttachedBytes,
      runs,
      reconnects: group.reconnects,
      failures: deliveries.failures,
      appendErrors: appender.errors,
      ...(firstFailure() === undefined ? {} : { firstFailure: firstFailure()! }),
    };
  } finally {
    group.close();
    await appender.close();
  }
}

function readerHeaders(params: FanOutParams): TargetHeaders {
  const headers = params.headers ?? {};
  return params.acceptEncoding === undefined ? headers : { ...headers, "accept-encoding": params.acceptEncoding };
}
