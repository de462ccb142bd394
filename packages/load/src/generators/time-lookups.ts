/**
 * Job: point-in-time lookups, `HEAD {stream}?at=<ms>` (Rivulet's time index, docs/extensions.md),
 * one after another at times spread over the stream's whole life, and how long each took. Every
 * answer is checked: it names a message appended at or after the time asked for, or the tail.
 * The requests go out on a raw socket (raw-http/head-requests.ts): through a full HTTP client,
 * the client's own cost would be most of what is measured.
 */
import type { TargetHeaders } from "../http-pool.js";
import { type LatencySummary, latencyHistogram, recordMs, summarise } from "../measure/histogram.js";
import { HeadRequests } from "./raw-http/head-requests.js";
import { targetOf } from "./subscriber-group.js";

export interface TimeLookupsParams {
  readonly origin: string;
  /** Sent with every request (credentials). */
  readonly headers?: TargetHeaders;
  readonly path: string;
  /** Measured lookups. */
  readonly lookups: number;
  /** Lookups before them, not recorded (a fresh generator warms up). */
  readonly warmup: number;
  readonly timeoutMs: number;
  /** `false`: plain HEADs of the same stream, without `at`, as the baseline of what a HEAD costs. */
  readonly at?: boolean;
}

export interface TimeLookupsResult {
  readonly lookups: number;
  /** Answers that were not 200, or named a message appended before the time asked for. */
  readonly errors: number;
  readonly firstError?: string;
  /** Different offsets the measured lookups answered: they did not all land in one place. */
  readonly distinctOffsets: number;
  /** From the stream's first append time to the start of the lookups. */
  readonly spanMs: number;
  readonly latency: LatencySummary;
}

/** The golden ratio's fraction: consecutive lookups land far apart, and all of them spread evenly. */
const STRIDE = 0.618_033_988_749_895;

export async function timeLookups(params: TimeLookupsParams): Promise<TimeLookupsResult> {
  const client = await HeadRequests.open(targetOf(params.origin, params.path, params.headers));
  try {
    return await lookUp(client, params);
  } finally {
    client.close();
  }
}

async function lookUp(client: HeadRequests, params: TimeLookupsParams): Promise<TimeLookupsResult> {
  const first = await client.head(`${params.path}?at=0`);
  const firstTime = Number(first.headers.get("stream-at-time"));
  if (first.status !== 200 || !Number.isFinite(firstTime)) {
    throw new Error(`HEAD ${params.path}?at=0 answered ${first.status} without Stream-At-Time: no time index`);
  }
  const spanMs = Math.max(1, Date.now() - firstTime);
  const histogram = latencyHistogram();
  const offsets = new Set<string>();
  const deadline = performance.now() + params.timeoutMs;
  let errors = 0;
  let firstError: string | undefined;
  for (let i = 0; i < params.warmup + params.lookups && performance.now() < deadline; i++) {
    const at = firstTime + Math.floor(((i * STRIDE) % 1) * spanMs);
    const started = performance.now();
    const answer = await client.head(params.at === false ? params.path : `${params.path}?at=${at}`);
    const elapsed = performance.now() - started;
    if (i < params.warmup) continue;
    recordMs(histogram, elapsed);
    const found = answer.headers.get("stream-at-time");
    const wrong =
      answer.status !== 200
        ? `answered ${answer.status}`
        : params.at !== false && found !== undefined && Number(found) < at;
    if (wrong) {
      errors++;
      firstError ??= `HEAD ${params.path}?at=${at}: ${wrong === true ? `named a message appended at ${found}` : wrong}`;
    }
    offsets.add(answer.headers.get("stream-at-offset") ?? "");
  }
  return {
    lookups: histogram.totalCount,
    errors,
    ...(firstError ? { firstError } : {}),
    distinctOffsets: offsets.size,
    spanMs,
    latency: summarise(histogram),
  };
}
