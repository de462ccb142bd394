/**
 * Job: read a stream from the start (`offset=-1`) to its tail, following Stream-Next-Offset
 * from response to response, one request at a time; the bytes received per second. With
 * `view: "records"` it reads Rivulet's records view (docs/extensions.md) instead of the data.
 */
import { header, openPool, send, type TargetHeaders } from "../http-pool.js";

export interface CatchUpParams {
  readonly origin: string;
  /** Sent with every request (credentials). */
  readonly headers?: TargetHeaders;
  readonly path: string;
  readonly timeoutMs: number;
  /** `records`: one record per message (`&view=records`); absent: the stream's own bytes. */
  readonly view?: "records";
}

export interface CatchUpResult {
  readonly bytes: number;
  readonly requests: number;
  readonly seconds: number;
  readonly megabytesPerSecond: number;
  readonly complete: boolean;
}

export async function catchUpRead(params: CatchUpParams): Promise<CatchUpResult> {
  const pool = openPool(params.origin, 1, params.headers);
  const started = performance.now();
  const deadline = started + params.timeoutMs;
  let offset = "-1";
  let bytes = 0;
  let requests = 0;
  let complete = false;
  const view = params.view === undefined ? "" : `&view=${params.view}`;
  while (performance.now() < deadline) {
    const answer = await send(pool, "GET", `${params.path}?offset=${encodeURIComponent(offset)}${view}`);
    if (answer.status !== 200) throw new Error(`GET ${params.path} at ${offset} answered ${answer.status}`);
    bytes += answer.bodyBytes;
    requests++;
    const next = header(answer, "stream-next-offset");
    if (header(answer, "stream-up-to-date") === "true" || next === undefined || next === offset) {
      complete = true;
      break;
    }
    offset = next;
  }
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { bytes, requests, seconds, megabytesPerSecond: bytes / 1e6 / seconds, complete };
}
