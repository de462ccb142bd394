/**
 * Scenario 4, live fan-out: N readers follow one stream over SSE, then over long-poll, while
 * one message is appended per interval; latency runs from each append's due time to its
 * arrival at each reader. Then the highest append rate the smallest group of SSE readers keeps
 * up with. With the server's pid, also scenario 6: its RSS per connected reader.
 */
import { count } from "../format/counts.js";
import type { FanOutResult } from "../generators/fan-out.js";
import type { FanOutRampResult } from "../generators/fan-out-ramp.js";
import type { LiveMode } from "../generators/subscriber-group.js";
import { endpoint, nameInRun, repeat, type ScenarioRun, serverPid } from "./scenario-run.js";

export interface FanOutSizes {
  readonly subscriberCounts: readonly number[];
  /** Appends of each measurement window. */
  readonly appendsPerRun: number;
  readonly intervalMs: number;
  readonly messageBytes: number;
  /** Append rates of the ramp, ascending. */
  readonly rampRates: readonly number[];
  readonly rampStepSeconds: number;
  /** A ramp step is held while the p99 delivery latency stays within this. */
  readonly rampP99LimitMs: number;
  /**
   * Compression variant: readers that send `Accept-Encoding: gzip, br` against the same
   * readers without it, with messages large enough to be compressed (past the server's
   * threshold), both modes.
   */
  readonly compression?: { readonly subscribers: number; readonly messageBytes: number };
}

/** What the compression variant's readers send. */
export const ACCEPT_COMPRESSED = "gzip, br";

export const LIVE_MODES = ["sse", "long-poll"] as const satisfies readonly LiveMode[];

export interface FanOutGroup {
  readonly mode: LiveMode;
  readonly subscribers: number;
  /** Set in the compression variant: message size, and what the readers accepted (undefined: nothing). */
  readonly variant?: { readonly messageBytes: number; readonly acceptEncoding: string | undefined };
  /** With as many measurement windows as the scenario's runs. */
  readonly result: FanOutResult;
}

export interface RampMeasurement {
  readonly mode: "sse";
  readonly subscribers: number;
  readonly runs: readonly FanOutRampResult[];
}

export interface FanOutMeasurement {
  /** Every mode's groups in turn, each mode over every subscriber count. */
  readonly groups: readonly FanOutGroup[];
  /** The compression variant's groups (empty when not asked for). */
  readonly compression: readonly FanOutGroup[];
  readonly ramp: RampMeasurement;
}

const CONNECT_BATCH = 500;
const ATTACH_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_MS = 300_000;

/** After a window's last append, how long deliveries still missing are waited for. */
export function deliveryWaitMs(intervalMs: number): number {
  return Math.max(2_000, 8 * intervalMs);
}

/** Scenario 6: the server's RSS growth from before the readers connected to all attached, per reader. */
export function rssPerReader(result: FanOutResult): number {
  return (result.rssAttachedBytes - result.rssBeforeBytes) / Math.max(1, result.attached);
}

export async function measureFanOut(run: ScenarioRun, sizes: FanOutSizes): Promise<FanOutMeasurement> {
  const groups: FanOutGroup[] = [];
  for (const mode of LIVE_MODES) {
    for (const subscribers of sizes.subscriberCounts) {
      groups.push({ mode, subscribers, result: await group(run, sizes, mode, subscribers) });
    }
  }
  const compression: FanOutGroup[] = [];
  if (sizes.compression) {
    const { subscribers, messageBytes } = sizes.compression;
    for (const mode of LIVE_MODES) {
      for (const acceptEncoding of [undefined, ACCEPT_COMPRESSED]) {
        const variant = { messageBytes, acceptEncoding };
        compression.push({ mode, subscribers, variant, result: await group(run, sizes, mode, subscribers, variant) });
      }
    }
  }
  return { groups, compression, ramp: await ramp(run, sizes) };
}

async function group(
  run: ScenarioRun,
  sizes: FanOutSizes,
  mode: LiveMode,
  subscribers: number,
  variant?: FanOutGroup["variant"],
) {
  const name = variant ? `fan-out-${mode}-${subscribers}-${variant.acceptEncoding ? "compressed" : "plain"}` : "";
  const path = run.target.path(name || `fan-out-${mode}-${subscribers}`);
  run.target.created(path);
  const accepting = variant?.acceptEncoding ? `, Accept-Encoding: ${variant.acceptEncoding}` : "";
  run.progress(
    `fan-out: ${count(subscribers)} ${mode} readers${variant ? `, ${variant.messageBytes} B messages` : ""}${accepting}`,
  );
  return run.jobs(
    "fanOut",
    {
      ...endpoint(run.target),
      path,
      mode,
      subscribers,
      runs: run.runs,
      appendsPerRun: sizes.appendsPerRun,
      intervalMs: sizes.intervalMs,
      messageBytes: variant?.messageBytes ?? sizes.messageBytes,
      connectBatch: CONNECT_BATCH,
      attachTimeoutMs: ATTACH_TIMEOUT_MS,
      deliveryWaitMs: deliveryWaitMs(sizes.intervalMs),
      ...(variant?.acceptEncoding ? { acceptEncoding: variant.acceptEncoding } : {}),
      ...serverPid(run.target),
    },
    JOB_TIMEOUT_MS,
  );
}

async function ramp(run: ScenarioRun, sizes: FanOutSizes): Promise<RampMeasurement> {
  const subscribers = Math.min(...sizes.subscriberCounts);
  run.progress(`fan-out: highest rate held at ${count(subscribers)} SSE readers`);
  const runs = await repeat(run.runs, (index) => {
    const path = run.target.path(nameInRun(`fan-out-ramp-${subscribers}`, index));
    run.target.created(path);
    return run.jobs(
      "fanOutRamp",
      {
        ...endpoint(run.target),
        path,
        mode: "sse",
        subscribers,
        rates: sizes.rampRates,
        stepSeconds: sizes.rampStepSeconds,
        p99LimitMs: sizes.rampP99LimitMs,
        messageBytes: sizes.messageBytes,
        connectBatch: CONNECT_BATCH,
        attachTimeoutMs: ATTACH_TIMEOUT_MS,
        ...serverPid(run.target),
      },
      JOB_TIMEOUT_MS,
    );
  });
  return { mode: "sse", subscribers, runs };
}
