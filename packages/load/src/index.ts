/**
 * `@rivulet/load`: load generators against any Durable Streams server, addressed by origin and
 * stream path; the benchmark scenarios built on them; and how their figures read.
 * `rivulet bench` runs the scenarios against a URL; the comparison suite in bench/ runs the
 * same ones against the servers it starts.
 */

export { spreadOf, times } from "./format/comparison.js";
export { count, perSecond, shortCount, shortPerSecond } from "./format/counts.js";
export { average, bytes, DASH, growthPer, megabytesPerSecond, ms, percent } from "./format/figures.js";
export { type AppendLoadParams, appendClosedLoop, type ClosedLoopResult } from "./generators/append-closed-loop.js";
export { appendOpenLoop, type OpenLoopParams, type OpenLoopResult } from "./generators/append-open-loop.js";
export { type CatchUpParams, type CatchUpResult, catchUpRead } from "./generators/catch-up-read.js";
export {
  type CreateStreamsParams,
  type CreateStreamsResult,
  createStreams,
  type DeleteStreamsParams,
  type DeleteStreamsResult,
  deleteStreams,
} from "./generators/create-streams.js";
export { type FanOutParams, type FanOutResult, type FanOutRun, fanOut } from "./generators/fan-out.js";
export { type FanOutRampParams, type FanOutRampResult, fanOutRamp, type RampStep } from "./generators/fan-out-ramp.js";
export { type FillStreamParams, type FillStreamResult, fillStream } from "./generators/fill-stream.js";
export {
  BUILT_IN_PRODUCERS,
  type ProducerParams,
  type ProducerResult,
  type ProducerSizes,
  producerThroughput,
} from "./generators/producer-throughput.js";
export type { ProducerFactory, ProducerLike, ProducerSetup } from "./generators/producers/producer-like.js";
export {
  type AppendsReclaimingParams,
  type AppendsReclaimingResult,
  appendsReclaiming,
  type ReclaimParams,
  type ReclaimResult,
} from "./generators/reclaim.js";
export type { LiveMode } from "./generators/subscriber-group.js";
export type {
  DeliveryWindow,
  LoadPhase,
  SetupFigures,
  SubscriptionDeliveriesParams,
  SubscriptionDeliveriesResult,
} from "./generators/subscription-deliveries.js";
export { type TimeLookupsParams, type TimeLookupsResult, timeLookups } from "./generators/time-lookups.js";
export type { AckMode } from "./generators/webhooks/receiver.js";
export type { TargetHeaders } from "./http-pool.js";
export {
  callJob,
  inProcess,
  type JobFunctions,
  type JobRunner,
  type LoadJobName,
  type LoadJobs,
  loadJobs,
} from "./jobs.js";
export { sleep, within } from "./measure/clock.js";
export { type CpuShare, cpuWindow } from "./measure/cpu.js";
export { type LatencySummary, latencyHistogram, recordMs, summarise } from "./measure/histogram.js";
export { rssBytes, rssIfKnown } from "./measure/rss.js";
export { medianRun, ratio, type Spread, spread } from "./measure/stats.js";
export { binaryBody, jsonMessage } from "./payload.js";
export {
  type AppendsChoices,
  type AppendsMeasurement,
  type AppendsSizes,
  measureAppends,
  type OpenModelRuns,
} from "./scenarios/appends.js";
export { type CatchUpMeasurement, type CatchUpSizes, measureCatchUp } from "./scenarios/catch-up.js";
export { type CreatesMeasurement, type CreatesSizes, measureCreates } from "./scenarios/creates.js";
export {
  ACCEPT_COMPRESSED,
  deliveryWaitMs,
  type FanOutGroup,
  type FanOutMeasurement,
  type FanOutSizes,
  LIVE_MODES,
  measureFanOut,
  type RampMeasurement,
  rssPerReader,
} from "./scenarios/fan-out.js";
export {
  measureProducers,
  type ProducerConfig,
  type ProducerMeasurement,
  type ProducerOutcome,
} from "./scenarios/producer.js";
export {
  measureReclaimAppends,
  type ReclaimAppendsRun,
  type ReclaimAppendsSizes,
} from "./scenarios/reclaim-appends.js";
export { type LoadTarget, nameInRun, repeat, rootRelative, type ScenarioRun } from "./scenarios/scenario-run.js";
export {
  describePhase,
  measureSubscriptions,
  type PhaseWindows,
  type SubscriptionSizes,
  type SubscriptionsMeasurement,
  subscriptionLayout,
  subscriptionPhases,
} from "./scenarios/subscriptions.js";
export {
  measureTimeAndRecords,
  type TimeAndRecordsMeasurement,
  type TimeAndRecordsSizes,
} from "./scenarios/time-and-records.js";
