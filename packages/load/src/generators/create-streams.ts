/**
 * Jobs: create many streams with PUT, or delete them, from a closed loop of connections; the
 * rate of successes (any 2xx counts; for deletes a 404 too, since the stream is gone either way).
 */
import { type LoadPool, openPool, send, type TargetHeaders } from "../http-pool.js";

interface LoopParams {
  readonly origin: string;
  /** Sent with every request (credentials). */
  readonly headers?: TargetHeaders;
  readonly connections: number;
  /** Stop after this long even if not all are done. */
  readonly timeoutMs: number;
}

export interface DeleteStreamsParams extends LoopParams {
  readonly paths: readonly string[];
}

export interface CreateStreamsParams extends LoopParams {
  /** Stream paths are `<prefix><i>` for i in [first, first + count). */
  readonly prefix: string;
  readonly first: number;
  readonly count: number;
  readonly contentType: string;
  /** Optional body of each create (initial data). */
  readonly body?: string;
  /**
   * Tries per stream (default 1). More than one works around servers that answer a create
   * with a spurious 4xx under concurrency; every retry is counted.
   */
  readonly attempts?: number;
}

/** How a loop over streams went; `done` is how many requests succeeded. */
interface LoopResult {
  readonly done: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly retries: number;
  readonly firstError?: string;
}

export type DeleteStreamsResult = Omit<LoopResult, "done"> & { readonly deleted: number };

export type CreateStreamsResult = Omit<LoopResult, "done"> & { readonly created: number };

export async function createStreams(params: CreateStreamsParams): Promise<CreateStreamsResult> {
  const headers = { "content-type": params.contentType };
  const pathAt = (index: number) => `${params.prefix}${params.first + index}`;
  const { done, ...rest } = await eachStream(params, params.count, pathAt, "PUT", params.attempts ?? 1, (pool, path) =>
    send(pool, "PUT", path, headers, params.body),
  );
  return { created: done, ...rest };
}

export async function deleteStreams(params: DeleteStreamsParams): Promise<DeleteStreamsResult> {
  const { done, ...rest } = await eachStream(
    params,
    params.paths.length,
    (index) => params.paths[index]!,
    "DELETE",
    1,
    async (pool, path) => {
      const answer = await send(pool, "DELETE", path);
      return answer.status === 404 ? { ...answer, status: 204 } : answer;
    },
  );
  return { deleted: done, ...rest };
}

async function eachStream(
  params: LoopParams,
  count: number,
  pathAt: (index: number) => string,
  method: string,
  attempts: number,
  request: (pool: LoadPool, path: string) => Promise<{ status: number }>,
): Promise<LoopResult> {
  const pool = openPool(params.origin, params.connections, params.headers);
  const deadline = performance.now() + params.timeoutMs;
  let next = 0;
  let done = 0;
  let errors = 0;
  let retries = 0;
  let firstError: string | undefined;
  const one = async (path: string) => {
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      try {
        const answer = await request(pool, path);
        if (answer.status >= 200 && answer.status < 300) return true;
        failure = `${method} ${path} answered ${answer.status}`;
      } catch (error) {
        failure = String(error);
      }
      firstError ??= failure;
      if (attempt >= attempts) return false;
      retries++;
    }
  };
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      if (await one(pathAt(next++))) done++;
      else errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: params.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { done, errors, retries, seconds, perSecond: done / seconds, ...(firstError ? { firstError } : {}) };
}
