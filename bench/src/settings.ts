/**
 * Sizes and durations of every scenario: the full run (`npm run bench`, about 15 minutes on
 * 2 vCPUs) and the quick run (`--quick`, under two minutes, what CI runs so the benchmarks
 * keep working). Reference servers get smaller sizes where the full size would take minutes.
 */
import type { ProducerSizes } from "rivulet/load";
import type { ServerId } from "./core/types.js";

export interface Settings {
  readonly quick: boolean;
  /** Runs per figure; the report gives their median and spread. */
  readonly runs: number;
  readonly appends: {
    readonly servers: readonly ServerId[];
    readonly streamCounts: readonly number[];
    readonly connections: number;
    readonly bodyBytes: number;
    readonly peakSeconds: number;
    readonly openSeconds: number;
    /** Unrecorded load before each measured run (each run's generator is a fresh process). */
    readonly warmupSeconds: number;
    /** The target's rate; Rivulet and the trivial server are measured at it. */
    readonly targetRate: number;
    /** The references are measured at this share of their own peak. */
    readonly referenceLoad: number;
  };
  readonly producer: ProducerSizes;
  readonly catchUp: {
    readonly bytes: number;
    readonly referenceBytes: number;
    readonly requestBytes: number;
    readonly jsonMessageBytes: number;
  };
  readonly fanOut: {
    readonly servers: readonly ServerId[];
    readonly subscriberCounts: readonly number[];
    readonly appendsPerRun: number;
    readonly intervalMs: number;
    /** After a window's last append, how long to wait for missing deliveries. */
    readonly deliveryWaitMs: number;
    readonly messageBytes: number;
    readonly rampSubscribers: number;
    readonly rampRates: readonly number[];
    readonly rampStepSeconds: number;
    readonly rampP99LimitMs: number;
  };
  readonly manyStreams: {
    readonly streams: Readonly<Record<ServerId, number>>;
    readonly connections: number;
  };
  readonly restart: {
    readonly streams: number;
    readonly bytesPerStream: number;
    readonly referenceStreams: number;
    readonly referenceBytesPerStream: number;
  };
}

const FULL: Settings = {
  quick: false,
  runs: 3,
  appends: {
    servers: ["rivulet", "refFile", "refMemory", "trivial"],
    streamCounts: [1, 100, 10_000],
    connections: 64,
    bodyBytes: 256,
    peakSeconds: 3,
    openSeconds: 3,
    warmupSeconds: 1,
    targetRate: 30_000,
    referenceLoad: 0.8,
  },
  producer: {
    messageBytes: 100,
    seconds: 3,
    maxMessages: 10_000_000,
    windowMessages: 500_000,
    rawBatchMessages: 10_000,
    rawInFlight: 4,
  },
  catchUp: { bytes: 100e6, referenceBytes: 100e6, requestBytes: 1 << 20, jsonMessageBytes: 200 },
  fanOut: {
    servers: ["rivulet", "refFile", "refMemory", "trivial"],
    subscriberCounts: [1000, 10_000],
    appendsPerRun: 3,
    intervalMs: 1000,
    deliveryWaitMs: 8000,
    messageBytes: 64,
    rampSubscribers: 1000,
    rampRates: [10, 50, 100, 200, 500, 1000, 2000, 5000, 10_000],
    rampStepSeconds: 2,
    rampP99LimitMs: 500,
  },
  manyStreams: {
    streams: { rivulet: 100_000, refFile: 10_000, refMemory: 30_000, trivial: 30_000 },
    connections: 64,
  },
  restart: { streams: 100_000, bytesPerStream: 10_737, referenceStreams: 10_000, referenceBytesPerStream: 10_737 },
};

const QUICK: Settings = {
  quick: true,
  runs: 1,
  appends: {
    ...FULL.appends,
    streamCounts: [1, 100],
    peakSeconds: 1,
    openSeconds: 1,
    warmupSeconds: 0.3,
    targetRate: 2_000,
  },
  producer: { ...FULL.producer, seconds: 1, maxMessages: 200_000, windowMessages: 50_000 },
  catchUp: { ...FULL.catchUp, bytes: 5e6, referenceBytes: 5e6 },
  fanOut: {
    ...FULL.fanOut,
    servers: ["rivulet", "refFile", "trivial"],
    subscriberCounts: [20, 100],
    appendsPerRun: 2,
    intervalMs: 200,
    deliveryWaitMs: 2000,
    rampSubscribers: 20,
    rampRates: [10, 50],
    rampStepSeconds: 0.5,
  },
  manyStreams: { streams: { rivulet: 1_000, refFile: 200, refMemory: 1_000, trivial: 1_000 }, connections: 16 },
  restart: { streams: 1_000, bytesPerStream: 1_024, referenceStreams: 200, referenceBytesPerStream: 1_024 },
};

export function settingsFor(quick: boolean): Settings {
  return quick ? QUICK : FULL;
}
