/**
 * The load of `rivulet bench`: `connections` workers, each with at most one append in flight
 * on its own pooled connection, appending a fixed payload until the deadline. Latency is
 * measured per acknowledged append, from sending the request to the end of the response.
 */
import { build, type Histogram } from "hdr-histogram-js";
import { Pool } from "undici";

export interface LoadPlan {
  /** Stream URLs, all on one origin; worker i appends to stream i mod their number. */
  streamUrls: string[];
  connections: number;
  durationMs: number;
  payload: Uint8Array;
  headers: Record<string, string>;
}

export interface LoadResult {
  ok: number;
  failed: number;
  /** Failures by cause: `HTTP 503`, `ECONNRESET`, … */
  failures: Record<string, number>;
  /** From the first request to the last response (which may come after the deadline). */
  elapsedMs: number;
  /** Latency of acknowledged appends, in microseconds. */
  latencyUs: Histogram;
}

export function openPool(origin: string, connections: number): Pool {
  return new Pool(origin, { connections, pipelining: 1 });
}

export async function runAppendLoad(pool: Pool, plan: LoadPlan): Promise<LoadResult> {
  const latencyUs = build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });
  const headers = { ...plan.headers, "content-type": "application/octet-stream" };
  const paths = plan.streamUrls.map((url) => new URL(url).pathname);
  const payload = Buffer.from(plan.payload);
  const result: LoadResult = { ok: 0, failed: 0, failures: {}, elapsedMs: 0, latencyUs };
  const fail = (cause: string) => {
    result.failed++;
    result.failures[cause] = (result.failures[cause] ?? 0) + 1;
  };
  const started = performance.now();
  const deadline = started + plan.durationMs;

  const worker = async (index: number) => {
    const path = paths[index % paths.length]!;
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const response = await pool.request({ path, method: "POST", headers, body: payload });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          result.ok++;
          latencyUs.recordValue(Math.max(1, Math.round((performance.now() - sent) * 1000)));
        } else {
          fail(`HTTP ${response.statusCode}`);
        }
      } catch (error) {
        // No response at all: this worker stops rather than spin against a dead server.
        fail((error as NodeJS.ErrnoException).code ?? (error as Error).name);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, (_, index) => worker(index)));
  result.elapsedMs = performance.now() - started;
  return result;
}
