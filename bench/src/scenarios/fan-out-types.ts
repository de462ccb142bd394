/** Measurements of the fan-out scenario, shared with the SSE-memory scenario and the chart. */

import type { LatencySummary, LiveMode, Spread } from "@rivulet/load";
import type { ServerId } from "../core/types.js";

export interface FanOutCell {
  readonly server: ServerId;
  readonly mode: LiveMode;
  readonly subscribers: number;
  /** Compression variant only: what the readers accepted ("" for nothing) and the message size. */
  readonly acceptEncoding?: string;
  readonly messageBytes?: number;
  readonly attached: number;
  readonly p50: Spread;
  readonly p99: Spread;
  /** Per window: median over its appends of the time until every subscriber had the message. */
  readonly everyone: Spread;
  readonly delivered: number;
  readonly expected: number;
  readonly rssPerSubscriberBytes: number;
  readonly connectSeconds: number;
  readonly reconnects: number;
  readonly failures: number;
  readonly firstFailure?: string;
  /** Percentile curve of the window with the median p99 (for the chart). */
  readonly curve: LatencySummary["curve"];
}

export interface RampCell {
  readonly server: ServerId;
  readonly mode: LiveMode;
  readonly subscribers: number;
  readonly highestHeld: Spread;
  /** Rates of the steps of the run with the median result, with p99 and held. */
  readonly steps: ReadonlyArray<{
    rate: number;
    p99: number;
    delivered: number;
    expected: number;
    held: boolean;
    /** CPU share (% of one core) of the server and of the generator during the step. */
    serverCpu: number;
    generatorCpu: number;
  }>;
}

export interface FanOutData {
  readonly cells: readonly FanOutCell[];
  readonly ramps: readonly RampCell[];
}
