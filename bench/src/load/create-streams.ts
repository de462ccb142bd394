/** Job: create many streams with PUT from a closed loop of connections; the creation rate (any 2xx counts). */
import { openPool, send } from "./http-pool.js";

export interface CreateStreamsParams {
  readonly origin: string;
  /** Stream paths are `<prefix><i>` for i in [first, first + count). */
  readonly prefix: string;
  readonly first: number;
  readonly count: number;
  readonly contentType: string;
  readonly connections: number;
  /** Optional body of each create (initial data). */
  readonly body?: string;
  /** Stop after this long even if not all are created. */
  readonly timeoutMs: number;
  /**
   * Tries per stream (default 1). More than one works around servers that answer a create
   * with a spurious 4xx under concurrency; every retry is counted.
   */
  readonly attempts?: number;
}

export interface CreateStreamsResult {
  readonly created: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly retries: number;
  readonly firstError?: string;
}

export async function createStreams(params: CreateStreamsParams): Promise<CreateStreamsResult> {
  const pool = openPool(params.origin, params.connections);
  const headers = { "content-type": params.contentType };
  const deadline = performance.now() + params.timeoutMs;
  let next = 0;
  let created = 0;
  let errors = 0;
  let retries = 0;
  let firstError: string | undefined;
  const attempts = params.attempts ?? 1;
  const createOne = async (path: string) => {
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      try {
        const answer = await send(pool, "PUT", path, headers, params.body);
        if (answer.status >= 200 && answer.status < 300) return true;
        failure = `PUT ${path} answered ${answer.status}`;
      } catch (error) {
        failure = String(error);
      }
      firstError ??= failure;
      if (attempt >= attempts) return false;
      retries++;
    }
  };
  const worker = async () => {
    while (next < params.count && performance.now() < deadline) {
      if (await createOne(`${params.prefix}${params.first + next++}`)) created++;
      else errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: params.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { created, errors, retries, seconds, perSecond: created / seconds, ...(firstError ? { firstError } : {}) };
}
