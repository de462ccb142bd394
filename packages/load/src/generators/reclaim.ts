/**
 * Job: appends at a fixed rate (append-open-loop.ts), and in the same process, when asked, a
 * reclaim: a stream's retention set through Rivulet's admin API (`PATCH {base}/__ds/streams/{path}`,
 * docs/extensions.md) as the measured seconds start, then its earliest offset watched (HEAD,
 * every `pollMs`) until retention has freed what it may: at most `retainBytes` plus one storage
 * unit remain. One process for both, with or without the reclaim, so the two measurements differ
 * in the reclaim alone.
 */
import { header, openPool, send, type TargetHeaders } from "../http-pool.js";
import { sleep } from "../measure/clock.js";
import { appendOpenLoop, type OpenLoopParams, type OpenLoopResult } from "./append-open-loop.js";

export interface AppendsReclaimingParams {
  readonly appends: OpenLoopParams;
  /** Absent: the appends alone. */
  readonly reclaim?: ReclaimParams;
}

export interface AppendsReclaimingResult {
  readonly appends: OpenLoopResult;
  readonly reclaim?: ReclaimResult;
}

export async function appendsReclaiming(params: AppendsReclaimingParams): Promise<AppendsReclaimingResult> {
  const [appends, reclaimed] = await Promise.all([
    appendOpenLoop(params.appends),
    params.reclaim ? reclaim(params.reclaim) : undefined,
  ]);
  return { appends, ...(reclaimed ? { reclaim: reclaimed } : {}) };
}

export interface ReclaimParams {
  readonly origin: string;
  /** Sent with every request (credentials). */
  readonly headers?: TargetHeaders;
  /** The stream, and its settings resource. */
  readonly path: string;
  readonly settingsPath: string;
  readonly retainBytes: number;
  /** The server's storage unit (`--segment-size`): retention frees whole ones. */
  readonly unitBytes: number;
  /** Waited before the settings change: the appends' warm-up, so it lands as the measured seconds start. */
  readonly delayMs: number;
  readonly pollMs: number;
  readonly timeoutMs: number;
}

export interface ReclaimResult {
  /** From the settings change to the last unit freed (to the poll that saw it). */
  readonly seconds: number;
  /** Bytes between the earliest offset before and after. */
  readonly freedBytes: number;
  /** Whether retention got as far as it may before the timeout. */
  readonly complete: boolean;
}

export async function reclaim(params: ReclaimParams): Promise<ReclaimResult> {
  const pool = openPool(params.origin, 1, params.headers);
  try {
    const before = await positions(pool, params.path);
    await sleep(params.delayMs);
    const started = performance.now();
    const patched = await send(
      pool,
      "PATCH",
      params.settingsPath,
      { "content-type": "application/merge-patch+json" },
      JSON.stringify({ retention_bytes: params.retainBytes }),
    );
    if (patched.status !== 200) throw new Error(`PATCH ${params.settingsPath} answered ${patched.status}`);
    const deadline = started + params.timeoutMs;
    let now = before;
    while (now.tail - now.earliest > params.retainBytes + params.unitBytes && performance.now() < deadline) {
      await sleep(params.pollMs);
      now = await positions(pool, params.path);
    }
    return {
      seconds: (performance.now() - started) / 1000,
      freedBytes: now.earliest - before.earliest,
      complete: now.tail - now.earliest <= params.retainBytes + params.unitBytes,
    };
  } finally {
    await pool.close();
  }
}

/** The stream's earliest and next positions, from HEAD. */
async function positions(pool: Parameters<typeof send>[0], path: string): Promise<{ earliest: number; tail: number }> {
  const answer = await send(pool, "HEAD", path);
  if (answer.status !== 200) throw new Error(`HEAD ${path} answered ${answer.status}`);
  return {
    earliest: position(header(answer, "stream-earliest-offset")),
    tail: position(header(answer, "stream-next-offset")),
  };
}

/**
 * A byte position from one of Rivulet's offsets, `<generation>_<position>`. Offsets are opaque to
 * clients in general; this job measures Rivulet's retention, whose offsets say where they are.
 */
function position(offset: string | undefined): number {
  const match = offset === undefined ? null : /_(\d+)$/.exec(offset);
  if (!match) throw new Error(`not an offset with a position: ${offset}`);
  return Number(match[1]);
}
