/**
 * Jobs: create many streams with PUT, or delete them, from a closed loop of connections; the
 * rate of successes (any 2xx counts; for deletes a 404 too, since the stream is gone either way).
 */
import { send } from "../http-pool.js";
import { eachRequest, type LoopParams, type LoopResult } from "./request-loop.js";

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

/** Streams at these paths (when their names are not a numbered range). */
export interface CreateStreamListParams extends LoopParams {
  readonly paths: readonly string[];
  readonly contentType: string;
  readonly attempts: number;
}

export type DeleteStreamsResult = Omit<LoopResult, "done"> & { readonly deleted: number };

export type CreateStreamsResult = Omit<LoopResult, "done"> & { readonly created: number };

export async function createStreams(params: CreateStreamsParams): Promise<CreateStreamsResult> {
  const headers = { "content-type": params.contentType };
  const pathAt = (index: number) => `${params.prefix}${params.first + index}`;
  const { done, ...rest } = await eachRequest(params, {
    count: params.count,
    pathAt,
    method: "PUT",
    attempts: params.attempts ?? 1,
    send: (pool, path) => send(pool, "PUT", path, headers, params.body),
  });
  return { created: done, ...rest };
}

export async function createStreamList(params: CreateStreamListParams): Promise<CreateStreamsResult> {
  const headers = { "content-type": params.contentType };
  const { done, ...rest } = await eachRequest(params, {
    count: params.paths.length,
    pathAt: (index) => params.paths[index]!,
    method: "PUT",
    attempts: params.attempts,
    send: (pool, path) => send(pool, "PUT", path, headers),
  });
  return { created: done, ...rest };
}

export async function deleteStreams(params: DeleteStreamsParams): Promise<DeleteStreamsResult> {
  const { done, ...rest } = await eachRequest(params, {
    count: params.paths.length,
    pathAt: (index) => params.paths[index]!,
    method: "DELETE",
    attempts: 1,
    send: async (pool, path) => {
      const answer = await send(pool, "DELETE", path);
      return answer.status === 404 ? { ...answer, status: 204 } : answer;
    },
  });
  return { deleted: done, ...rest };
}
