/**
 * A closed loop of requests over a list of paths, one per path: `connections` requests in
 * flight, each connection taking the next path as soon as its last request is answered.
 * Successes are counted (what counts is the caller's `request`'s 2xx); a path may be tried more
 * than once, and every retry is counted.
 */
import { type LoadPool, openPool, type TargetHeaders } from "../http-pool.js";

export interface LoopParams {
  readonly origin: string;
  /** Sent with every request (credentials). */
  readonly headers?: TargetHeaders;
  readonly connections: number;
  /** Stop after this long even if not all are done. */
  readonly timeoutMs: number;
}

/** How a loop went; `done` is how many requests succeeded. */
export interface LoopResult {
  readonly done: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly retries: number;
  readonly firstError?: string;
}

export interface LoopRequests {
  readonly count: number;
  /** The path of request `index`. */
  pathAt(index: number): string;
  readonly method: string;
  /** Tries per path. */
  readonly attempts: number;
  send(pool: LoadPool, path: string, index: number): Promise<{ status: number }>;
}

export async function eachRequest(params: LoopParams, requests: LoopRequests): Promise<LoopResult> {
  const pool = openPool(params.origin, params.connections, params.headers);
  const deadline = performance.now() + params.timeoutMs;
  let next = 0;
  let done = 0;
  let errors = 0;
  let retries = 0;
  let firstError: string | undefined;
  const one = async (index: number) => {
    const path = requests.pathAt(index);
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      try {
        const answer = await requests.send(pool, path, index);
        if (answer.status >= 200 && answer.status < 300) return true;
        failure = `${requests.method} ${path} answered ${answer.status}`;
      } catch (error) {
        failure = String(error);
      }
      firstError ??= failure;
      if (attempt >= requests.attempts) return false;
      retries++;
    }
  };
  const worker = async () => {
    while (next < requests.count && performance.now() < deadline) {
      if (await one(next++)) done++;
      else errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: params.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { done, errors, retries, seconds, perSecond: done / seconds, ...(firstError ? { firstError } : {}) };
}
