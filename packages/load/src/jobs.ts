/**
 * Every load job by name, with its parameters and result. A scenario asks a JobRunner for
 * jobs by name; the runner decides where they run: `rivulet bench` runs them in its own
 * process, the suite in bench/ in a fresh generator process each. Parameters and results are
 * plain data, so they cross a process boundary as they are.
 */
import { type AppendLoadParams, appendClosedLoop, type ClosedLoopResult } from "./generators/append-closed-loop.js";
import { appendOpenLoop, type OpenLoopParams, type OpenLoopResult } from "./generators/append-open-loop.js";
import { type CatchUpParams, type CatchUpResult, catchUpRead } from "./generators/catch-up-read.js";
import { type CreateStreamsParams, type CreateStreamsResult, createStreams } from "./generators/create-streams.js";
import { type FanOutParams, type FanOutResult, fanOut } from "./generators/fan-out.js";
import { type FanOutRampParams, type FanOutRampResult, fanOutRamp } from "./generators/fan-out-ramp.js";
import { type FillStreamParams, type FillStreamResult, fillStream } from "./generators/fill-stream.js";
import {
  BUILT_IN_PRODUCERS,
  type ProducerParams,
  type ProducerResult,
  producerThroughput,
} from "./generators/producer-throughput.js";
import type { ProducerFactory } from "./generators/producers/producer-like.js";
import { type AppendsReclaimingParams, type AppendsReclaimingResult, appendsReclaiming } from "./generators/reclaim.js";
import {
  type SubscriptionDeliveriesParams,
  type SubscriptionDeliveriesResult,
  subscriptionDeliveries,
} from "./generators/subscription-deliveries.js";
import { type TimeLookupsParams, type TimeLookupsResult, timeLookups } from "./generators/time-lookups.js";

export interface LoadJobs {
  createStreams: { params: CreateStreamsParams; result: CreateStreamsResult };
  appendClosedLoop: { params: AppendLoadParams; result: ClosedLoopResult };
  appendOpenLoop: { params: OpenLoopParams; result: OpenLoopResult };
  fillStream: { params: FillStreamParams; result: FillStreamResult };
  catchUpRead: { params: CatchUpParams; result: CatchUpResult };
  fanOut: { params: FanOutParams; result: FanOutResult };
  fanOutRamp: { params: FanOutRampParams; result: FanOutRampResult };
  producerThroughput: { params: ProducerParams; result: ProducerResult };
  timeLookups: { params: TimeLookupsParams; result: TimeLookupsResult };
  appendsReclaiming: { params: AppendsReclaimingParams; result: AppendsReclaimingResult };
  subscriptionDeliveries: { params: SubscriptionDeliveriesParams; result: SubscriptionDeliveriesResult };
}

export type LoadJobName = keyof LoadJobs;

/**
 * Runs one job. `timeoutMs` bounds it where the runner can stop it (a process it can kill);
 * every job also bounds its own work.
 */
export type JobRunner = <K extends LoadJobName>(
  job: K,
  params: LoadJobs[K]["params"],
  timeoutMs: number,
) => Promise<LoadJobs[K]["result"]>;

/** The function behind each job of a job table. */
export type JobFunctions<Jobs extends { [K in keyof Jobs]: { params: unknown; result: unknown } }> = {
  readonly [K in keyof Jobs]: (params: Jobs[K]["params"]) => Promise<Jobs[K]["result"]>;
};

/** Every job's function; the producer job picks from `producers` (a driver may add its own). */
export function loadJobs(
  producers: Readonly<Record<string, ProducerFactory>> = BUILT_IN_PRODUCERS,
): JobFunctions<LoadJobs> {
  return {
    createStreams,
    appendClosedLoop,
    appendOpenLoop,
    fillStream,
    catchUpRead,
    fanOut,
    fanOutRamp,
    producerThroughput: (params) => producerThroughput(params, producers),
    timeLookups,
    appendsReclaiming,
    subscriptionDeliveries,
  };
}

/** Runs each job in this process. */
export function inProcess(functions: JobFunctions<LoadJobs> = loadJobs()): JobRunner {
  return (job, params) => callJob(functions, job, params);
}

/** Calls the function of `job` in a job table (by name, as a message from another process names it). */
export function callJob<Jobs extends { [K in keyof Jobs]: { params: unknown; result: unknown } }, K extends keyof Jobs>(
  functions: JobFunctions<Jobs>,
  job: K,
  params: Jobs[K]["params"],
): Promise<Jobs[K]["result"]> {
  return functions[job](params);
}
