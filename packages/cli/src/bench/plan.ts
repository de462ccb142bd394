/**
 * What `rivulet bench` runs: which scenarios, at what sizes. The default sizes are the
 * benchmark suite's (scenarios 1–5 and 8 of bench/README); `--quick` shrinks every one of
 * them to a run of about half a minute; single flags override single sizes.
 */
import { InvalidArgumentError } from "commander";

/** The scenarios this command runs, in the benchmark suite's order (numbers 1-5, then 8). */
export const SCENARIOS = ["appends", "producer", "catch-up", "fan-out", "creates", "subscriptions"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Their numbers in the suite. */
const NUMBERS: Readonly<Record<ScenarioName, number>> = {
  appends: 1,
  producer: 2,
  "catch-up": 3,
  "fan-out": 4,
  creates: 5,
  subscriptions: 8,
};

/**
 * What runs without --scenarios: everything that needs nothing but the server's URL.
 * Subscriptions also need the server to let webhooks reach this machine, so they are asked for by name.
 */
export const DEFAULT_SCENARIOS: readonly ScenarioName[] = SCENARIOS.filter((name) => name !== "subscriptions");

export interface BenchPlan {
  readonly scenarios: readonly ScenarioName[];
  readonly quick: boolean;
  /** Measured time of each throughput or latency run. */
  readonly durationMs: number;
  /** Unrecorded load before each append run. */
  readonly warmupMs: number;
  /** Connections for appends and creates. */
  readonly connections: number;
  /** Scenario 1. */
  readonly appendBytes: number;
  readonly streamCounts: readonly number[];
  /** Open-model rate; default: 80% of the measured peak. */
  readonly rate: number | undefined;
  /** Scenario 2. */
  readonly producerMessageBytes: number;
  /** Scenario 3. */
  readonly catchUpBytes: number;
  readonly catchUpRequestBytes: number;
  readonly catchUpJsonMessageBytes: number;
  /** Scenario 4 (and 6 with --pid). */
  readonly subscriberCounts: readonly number[];
  readonly fanOutAppends: number;
  readonly fanOutIntervalMs: number;
  readonly fanOutMessageBytes: number;
  readonly rampRates: readonly number[];
  readonly rampStepSeconds: number;
  readonly rampP99LimitMs: number;
  /** Scenario 5. */
  readonly creates: number;
  /** Scenario 8: webhook subscriptions, each over SUBSCRIPTION_STREAMS streams, and the fixed append rate. */
  readonly subscriptions: number;
  readonly subscriptionRate: number;
  readonly verifySignatures: boolean;
  /** The server's pid when it runs on this machine: adds its CPU and memory figures. */
  readonly serverPid: number | undefined;
}

type Sizes = Omit<BenchPlan, "scenarios" | "quick" | "rate" | "serverPid" | "verifySignatures">;

/** Streams per subscription in scenario 8 (the suite's 10,000 over 1,000). */
export const SUBSCRIPTION_STREAMS = 10;

const STANDARD: Sizes = {
  durationMs: 5_000,
  warmupMs: 1_000,
  connections: 64,
  appendBytes: 256,
  streamCounts: [1, 100, 10_000],
  producerMessageBytes: 100,
  catchUpBytes: 100e6,
  catchUpRequestBytes: 1 << 20,
  catchUpJsonMessageBytes: 200,
  subscriberCounts: [1_000, 10_000],
  fanOutAppends: 3,
  fanOutIntervalMs: 1_000,
  fanOutMessageBytes: 64,
  rampRates: [10, 50, 100, 200, 500, 1_000, 2_000, 5_000],
  rampStepSeconds: 2,
  rampP99LimitMs: 500,
  creates: 100_000,
  subscriptions: 1_000,
  subscriptionRate: 1_000,
};

const QUICK: Sizes = {
  ...STANDARD,
  durationMs: 1_000,
  warmupMs: 300,
  streamCounts: [1, 100],
  catchUpBytes: 5e6,
  subscriberCounts: [20, 100],
  fanOutAppends: 2,
  fanOutIntervalMs: 200,
  rampRates: [10, 50],
  rampStepSeconds: 0.5,
  creates: 1_000,
  subscriptions: 20,
  subscriptionRate: 100,
};

/** The flags that shape a plan (all optional but `scenarios`). */
export interface PlanFlags {
  scenarios: ScenarioName[];
  quick?: boolean;
  duration?: number;
  warmup?: number;
  connections?: number;
  size?: number;
  streams?: number[];
  rate?: number;
  catchUpSize?: number;
  subscribers?: number[];
  creates?: number;
  subscriptions?: number;
  verifySignatures?: boolean;
  pid?: number;
}

export function planFrom(flags: PlanFlags): BenchPlan {
  const sizes = flags.quick ? QUICK : STANDARD;
  return {
    ...sizes,
    scenarios: SCENARIOS.filter((name) => flags.scenarios.includes(name)),
    quick: flags.quick === true,
    durationMs: flags.duration ?? sizes.durationMs,
    warmupMs: flags.warmup ?? sizes.warmupMs,
    connections: flags.connections ?? sizes.connections,
    appendBytes: flags.size ?? sizes.appendBytes,
    streamCounts: flags.streams ?? sizes.streamCounts,
    rate: flags.rate,
    catchUpBytes: flags.catchUpSize ?? sizes.catchUpBytes,
    subscriberCounts: flags.subscribers ?? sizes.subscriberCounts,
    creates: flags.creates ?? sizes.creates,
    subscriptions: flags.subscriptions ?? sizes.subscriptions,
    verifySignatures: flags.verifySignatures === true,
    serverPid: flags.pid,
  };
}

/** `appends,fan-out` or the suite's numbers `1,4`; `all` for every one. */
export function parseScenarios(value: string): ScenarioName[] {
  const names: ScenarioName[] = [];
  for (const word of value.split(",").map((part) => part.trim().toLowerCase())) {
    const numbered = SCENARIOS.find((name) => String(NUMBERS[name]) === word);
    if (word === "all") names.push(...SCENARIOS);
    else if (numbered) names.push(numbered);
    else if ((SCENARIOS as readonly string[]).includes(word)) names.push(word as ScenarioName);
    else {
      const hint = /^[67]$/.test(word) ? " (6 comes with fan-out and --pid; 7 needs to restart the server)" : "";
      throw new InvalidArgumentError(
        `unknown scenario ${JSON.stringify(word)}${hint}; choose from all, ${SCENARIOS.join(", ")} or 1-5, 8`,
      );
    }
  }
  return names;
}

/** A comma-separated list of positive whole numbers: `1,100,10000`. */
export function parseCountList(value: string): number[] {
  const counts = value.split(",").map((part) => part.trim());
  if (counts.some((part) => !/^[1-9]\d*$/.test(part) || !Number.isSafeInteger(Number(part)))) {
    throw new InvalidArgumentError(`expected positive whole numbers separated by commas, got ${JSON.stringify(value)}`);
  }
  return counts.map(Number);
}
