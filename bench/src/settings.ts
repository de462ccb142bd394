/**
 * Sizes and durations of every scenario: the full run (`npm run bench`, about 15 minutes on
 * 2 vCPUs), the quick run (`--quick`, under two minutes) and the smoke run (`--smoke`, what
 * `npm test` runs so the benchmarks keep working: every scenario at the smallest size whose
 * figures can still be checked against each other).
 * Reference servers get smaller sizes where the full size would take minutes.
 */
import type {
  AppendsSizes,
  FanOutSizes,
  ProducerSizes,
  ReclaimAppendsSizes,
  SubscriptionSizes,
  TimeAndRecordsSizes,
} from "@rivulet/load";
import type { ServerId } from "./core/types.js";

export type RunSize = "full" | "quick" | "smoke";

export interface Settings {
  /** Reduced sizes (quick or smoke): the targets are not judged. */
  readonly quick: boolean;
  /** Runs per figure; the report gives their median and spread. */
  readonly runs: number;
  readonly appends: AppendsSizes & {
    readonly servers: readonly ServerId[];
    /** Rivulet's latency is measured at this share of its own peak (the target: p99 ≤ 10 ms at half). */
    readonly latencyLoad: number;
    /** The references are measured at this share of their own peak. */
    readonly referenceLoad: number;
  };
  readonly producer: ProducerSizes;
  /** Servers of scenario 2 (each with the producers that run against it). */
  readonly producerServers: readonly ("rivulet" | "refFile")[];
  readonly catchUp: {
    readonly servers: readonly ServerId[];
    readonly bytes: number;
    readonly referenceBytes: number;
    readonly requestBytes: number;
    readonly jsonMessageBytes: number;
  };
  readonly fanOut: FanOutSizes & { readonly servers: readonly ServerId[] };
  readonly manyStreams: {
    /** Streams each server creates; a server without a count is not measured. */
    readonly streams: Readonly<Partial<Record<ServerId, number>>>;
    readonly connections: number;
    /** Seconds between the last create and the RSS reading, the same for every server. */
    readonly settleSeconds: number;
    /**
     * Rivulet only: seconds between the last create and a second RSS reading, once V8 has given
     * back the young generation the creates grew (it does after most of a minute without work).
     * The target is read from it; the other servers' rows keep the settled reading only.
     */
    readonly idleSeconds?: number;
  };
  /** Keyed produce to a 12-partition topic through the produce endpoint. */
  readonly keyedProduce: {
    readonly connections: number;
    readonly batch: number;
    readonly valueBytes: number;
    readonly keys: number;
    readonly seconds: number;
  };
  /** Keyed records to a 12-partition topic through @rivulet/kafka's producer and through @rivulet/client directly. */
  readonly sdkProduce: {
    /** Records unacknowledged at a time. */
    readonly window: number;
    readonly valueBytes: number;
    readonly keys: number;
    readonly seconds: number;
  };
  /**
   * A pre-filled topic consumed by one group through @rivulet/kafka's consumer and through
   * @rivulet/client directly, each consumer in its own process.
   */
  readonly sdkConsume: {
    readonly partitions: number;
    readonly records: number;
    readonly valueBytes: number;
    readonly keys: number;
    readonly members: number;
    /** Records per fetch (the records view's limit; the SDK's maxPollRecords). */
    readonly maxPollRecords: number;
    /** How often finished records are committed (the SDK's autoCommitIntervalMs). */
    readonly commitIntervalMs: number;
  };
  /** Consumer groups on Rivulet: rebalance time and commit throughput. */
  readonly groups: {
    readonly members: number;
    readonly partitions: number;
    readonly commitSeconds: number;
  };
  readonly restart: {
    readonly servers: readonly ("rivulet" | "refFile")[];
    readonly streams: number;
    readonly bytesPerStream: number;
    readonly referenceStreams: number;
    readonly referenceBytesPerStream: number;
  };
  readonly subscriptions: SubscriptionSizes & { readonly servers: readonly ServerId[] };
  /** Scenario 10, Rivulet only: `?at=` lookups and the records view on one JSON stream. */
  readonly timeAndRecords: TimeAndRecordsSizes;
  /** Scenario 11, Rivulet only (started with `--segment-size` = unitBytes). */
  readonly reclaim: ReclaimAppendsSizes;
  /**
   * Scenario 14: appends and fan-out against single servers (`servers`) and Rivulet clusters of
   * `nodeCounts` nodes on PostgreSQL, then the cross-node wake latency.
   */
  readonly cluster: {
    readonly servers: readonly ("rivulet" | "refFile")[];
    readonly nodeCounts: readonly number[];
    readonly streams: number;
    /** The open-model rate, the same for every setup. */
    readonly rate: number;
    readonly appends: Omit<AppendsSizes, "streamCounts">;
    readonly fanOut: FanOutSizes;
    readonly wake: { readonly streams: number; readonly rounds: number };
  };
}

const FULL: Settings = {
  quick: false,
  runs: 3,
  appends: {
    servers: ["rivulet", "refFile", "refMemory", "trivial", "minimalDurable"],
    streamCounts: [1, 100, 10_000],
    connections: 64,
    bodyBytes: 256,
    peakSeconds: 3,
    openSeconds: 3,
    warmupSeconds: 1,
    drainMs: 10_000,
    overloadDrainMs: 2_000,
    latencyLoad: 0.5,
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
  producerServers: ["rivulet", "refFile"],
  catchUp: {
    servers: ["rivulet", "refFile", "refMemory", "trivial"],
    bytes: 100e6,
    referenceBytes: 100e6,
    requestBytes: 1 << 20,
    jsonMessageBytes: 200,
  },
  fanOut: {
    servers: ["rivulet", "refFile", "refMemory", "trivial"],
    subscriberCounts: [1000, 10_000],
    appendsPerRun: 3,
    intervalMs: 1000,
    messageBytes: 64,
    rampRates: [10, 50, 100, 200, 500, 1000, 2000, 5000, 10_000],
    rampStepSeconds: 2,
    rampP99LimitMs: 500,
    // Past the server's 1 KiB compression threshold, so long-poll answers are compressed.
    compression: { subscribers: 1000, messageBytes: 4096 },
  },
  manyStreams: {
    // Rivulet's at the size its target is stated for (1M streams, about a minute at 16k creates/s).
    streams: { rivulet: 1_000_000, refFile: 10_000, refMemory: 30_000, trivial: 30_000 },
    connections: 64,
    // Longer than Rivulet's idle eviction (unused streams leave its engine one to two seconds
    // after their last use), so that the streams measured are idle ones.
    settleSeconds: 3,
    // 1M streams on this machine: 799 B per stream from 1 to 30 s after the last create, 429 B
    // from 60 s on (300k streams: 512 B until 50 s, 332 B from 55 s), V8 shrinking its heap.
    idleSeconds: 70,
  },
  groups: { members: 10, partitions: 24, commitSeconds: 3 },
  keyedProduce: { connections: 16, batch: 100, valueBytes: 100, keys: 100_000, seconds: 5 },
  sdkProduce: { window: 2_000, valueBytes: 100, keys: 100_000, seconds: 5 },
  sdkConsume: {
    partitions: 12,
    // Long enough that the group forming (fetches start before every member holds its
    // partitions; 8 partitions move per run) and the last auto-commit tick stay a small share
    // of the timed window: 100,000 records at 10–30k records/s gave a 3–10 s window, while the
    // join alone (go to first fetch) took 0.45–0.85 s.
    records: 300_000,
    valueBytes: 100,
    keys: 100_000,
    members: 3,
    // The SDK's default.
    maxPollRecords: 500,
    commitIntervalMs: 100,
  },
  restart: {
    servers: ["rivulet", "refFile"],
    streams: 100_000,
    bytesPerStream: 10_737,
    referenceStreams: 10_000,
    referenceBytesPerStream: 10_737,
  },
  subscriptions: {
    servers: ["rivulet", "rivuletMemory", "refMemory"],
    streams: 10_000,
    subscriptions: 1_000,
    // One rate well within what a server on this machine delivers, one at the edge of it.
    rates: [200, 1_000],
    rateSeconds: 5,
    peakConnections: 64,
    peakSeconds: 5,
    warmupSeconds: 1,
    drainMs: 15_000,
    bodyBytes: 256,
    connections: 64,
    ack: "callback",
    verifySignatures: false,
  },
  timeAndRecords: {
    streamBytes: 1e9,
    // 4,000 appends at their own times; the index also has an entry per 4 KiB inside each.
    requestBytes: 256 << 10,
    messageBytes: 200,
    lookups: 2_000,
    warmupLookups: 200,
  },
  reclaim: {
    reclaimBytes: 2 ** 30,
    // The server's default segment size: 16 units to free, 4 per retention tick.
    unitBytes: 64 << 20,
    requestBytes: 1 << 20,
    streams: 10,
    connections: 16,
    bodyBytes: 256,
    // Well below the peak on this machine, also when other work shares it, so latency is the
    // server's and not a queue's.
    rate: 1_000,
    seconds: 5,
    warmupSeconds: 1,
    drainMs: 10_000,
    // After a 1 GB fill, fsyncs are slow for about 15 s while it is written back.
    settleSeconds: 20,
    runs: 5,
  },
  cluster: {
    servers: ["rivulet", "refFile"],
    nodeCounts: [1, 3],
    streams: 100,
    rate: 1_000,
    appends: {
      connections: 64,
      bodyBytes: 256,
      peakSeconds: 3,
      openSeconds: 3,
      warmupSeconds: 1,
      drainMs: 10_000,
      overloadDrainMs: 2_000,
    },
    fanOut: {
      subscriberCounts: [1000],
      appendsPerRun: 3,
      intervalMs: 1000,
      messageBytes: 64,
      rampRates: [10, 100, 1000],
      rampStepSeconds: 2,
      rampP99LimitMs: 500,
    },
    wake: { streams: 20, rounds: 100 },
  },
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
  },
  producer: { ...FULL.producer, seconds: 1, maxMessages: 200_000, windowMessages: 50_000 },
  producerServers: FULL.producerServers,
  catchUp: { ...FULL.catchUp, bytes: 5e6, referenceBytes: 5e6 },
  fanOut: {
    ...FULL.fanOut,
    servers: ["rivulet", "refFile", "trivial"],
    subscriberCounts: [20, 100],
    appendsPerRun: 2,
    intervalMs: 200,
    rampRates: [10, 50],
    rampStepSeconds: 0.5,
    compression: { subscribers: 100, messageBytes: 4096 },
  },
  manyStreams: {
    streams: { rivulet: 1_000, refFile: 200, refMemory: 1_000, trivial: 1_000 },
    connections: 16,
    settleSeconds: 3,
  },
  groups: { ...FULL.groups, commitSeconds: 1 },
  keyedProduce: { ...FULL.keyedProduce, seconds: 1 },
  sdkProduce: { ...FULL.sdkProduce, seconds: 1 },
  sdkConsume: { ...FULL.sdkConsume, records: 30_000 },
  restart: { ...FULL.restart, streams: 1_000, bytesPerStream: 1_024, referenceStreams: 200 },
  subscriptions: {
    ...FULL.subscriptions,
    streams: 1_000,
    subscriptions: 100,
    rates: [200],
    rateSeconds: 1,
    peakSeconds: 1,
    warmupSeconds: 0.3,
  },
  timeAndRecords: { ...FULL.timeAndRecords, streamBytes: 50e6, lookups: 500, warmupLookups: 50 },
  reclaim: { ...FULL.reclaim, reclaimBytes: 64 << 20, unitBytes: 8 << 20, seconds: 3, settleSeconds: 3, runs: 1 },
  cluster: {
    ...FULL.cluster,
    streams: 10,
    rate: 200,
    appends: { ...FULL.cluster.appends, connections: 16, peakSeconds: 1, openSeconds: 1, warmupSeconds: 0.3 },
    fanOut: {
      ...FULL.cluster.fanOut,
      subscriberCounts: [50],
      appendsPerRun: 2,
      intervalMs: 200,
      rampRates: [10],
      rampStepSeconds: 0.5,
    },
    wake: { streams: 5, rounds: 20 },
  },
};

/**
 * Rivulet in every scenario; the trivial server in 1, the reference (file-backed) in 7. Sizes are the least that still exercise what the figures are checked
 * for: several streams, several catch-up requests, a ramp step, a restart after each kind of stop.
 */
const SMOKE: Settings = {
  quick: true,
  runs: 1,
  appends: {
    ...FULL.appends,
    servers: ["rivulet", "trivial"],
    streamCounts: [3],
    connections: 4,
    peakSeconds: 0.3,
    openSeconds: 0.3,
    warmupSeconds: 0,
  },
  producer: { ...FULL.producer, seconds: 0.3, maxMessages: 5_000, windowMessages: 1_000, rawBatchMessages: 500 },
  producerServers: ["rivulet"],
  // More than one 1 MiB response, and JSON messages split over several appends.
  catchUp: { ...FULL.catchUp, servers: ["rivulet"], bytes: 1.5e6, referenceBytes: 1.5e6, requestBytes: 256 << 10 },
  fanOut: {
    ...FULL.fanOut,
    servers: ["rivulet"],
    subscriberCounts: [5],
    appendsPerRun: 2,
    intervalMs: 50,
    rampRates: [20],
    rampStepSeconds: 0.3,
    compression: { subscribers: 5, messageBytes: 4096 },
  },
  manyStreams: { streams: { rivulet: 100 }, connections: 4, settleSeconds: 0.1 },
  groups: { members: 3, partitions: 6, commitSeconds: 0.3 },
  keyedProduce: { connections: 4, batch: 20, valueBytes: 100, keys: 1000, seconds: 0.3 },
  sdkProduce: { window: 200, valueBytes: 100, keys: 1000, seconds: 0.3 },
  // Several fetches per partition, so positions move between commits.
  sdkConsume: { ...FULL.sdkConsume, records: 3_000, keys: 1000, maxPollRecords: 50 },
  restart: {
    servers: ["rivulet", "refFile"],
    streams: 50,
    bytesPerStream: 512,
    referenceStreams: 20,
    referenceBytesPerStream: 512,
  },
  // Signatures checked, so that a receiver that verifies them is exercised too.
  subscriptions: {
    ...FULL.subscriptions,
    servers: ["rivulet", "refMemory"],
    streams: 20,
    subscriptions: 5,
    rates: [50],
    rateSeconds: 0.3,
    peakConnections: 4,
    peakSeconds: 0.3,
    warmupSeconds: 0,
    drainMs: 10_000,
    connections: 4,
    verifySignatures: true,
  },
  // Several appends and index entries; the records view over more than one response.
  timeAndRecords: { streamBytes: 1.5e6, requestBytes: 64 << 10, messageBytes: 200, lookups: 100, warmupLookups: 10 },
  // Four units: one retention tick frees them all.
  reclaim: {
    ...FULL.reclaim,
    reclaimBytes: 4 << 20,
    unitBytes: 1 << 20,
    requestBytes: 256 << 10,
    streams: 3,
    connections: 4,
    rate: 200,
    seconds: 1.5,
    warmupSeconds: 0.3,
    drainMs: 5_000,
    // The stream is too small for its write-back to matter.
    settleSeconds: 0,
    runs: 1,
  },
  // Three nodes behind nginx only (scenarios 1 and 4 already run the file store; one node is
  // the same path without nginx); a few wakes.
  cluster: {
    servers: [],
    nodeCounts: [3],
    streams: 3,
    rate: 50,
    appends: {
      connections: 4,
      bodyBytes: 256,
      peakSeconds: 0.3,
      openSeconds: 0.3,
      warmupSeconds: 0,
      drainMs: 5_000,
      overloadDrainMs: 2_000,
    },
    fanOut: {
      subscriberCounts: [5],
      appendsPerRun: 2,
      intervalMs: 50,
      messageBytes: 64,
      rampRates: [20],
      rampStepSeconds: 0.3,
      rampP99LimitMs: 500,
    },
    wake: { streams: 2, rounds: 5 },
  },
};

const SETTINGS: Record<RunSize, Settings> = { full: FULL, quick: QUICK, smoke: SMOKE };

export function settingsFor(size: RunSize): Settings {
  return SETTINGS[size];
}
