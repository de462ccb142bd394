/** Job: create a stream and append data to it in large requests until it holds `totalBytes`. */
import { header, openPool, send, type TargetHeaders } from "../http-pool.js";
import { binaryBody, jsonBatch } from "../payload.js";

export interface FillStreamParams {
  readonly origin: string;
  /** Sent with every request (credentials). */
  readonly headers?: TargetHeaders;
  readonly path: string;
  readonly json: boolean;
  readonly totalBytes: number;
  /** Bytes per append request. */
  readonly requestBytes: number;
  /** JSON only: bytes per message. */
  readonly messageBytes: number;
  readonly timeoutMs: number;
}

export interface FillStreamResult {
  readonly appendedBytes: number;
  readonly requests: number;
  readonly seconds: number;
  /** The stream's tail offset afterwards. */
  readonly tail: string;
}

export async function fillStream(params: FillStreamParams): Promise<FillStreamResult> {
  const pool = openPool(params.origin, 4, params.headers);
  const contentType = params.json ? "application/json" : "application/octet-stream";
  const headers = { "content-type": contentType };
  const created = await send(pool, "PUT", params.path, headers);
  if (created.status < 200 || created.status >= 300) throw new Error(`PUT ${params.path} answered ${created.status}`);
  const perRequest = params.json ? Math.max(1, Math.floor(params.requestBytes / (params.messageBytes + 1))) : 0;
  const body = params.json ? jsonBatch(perRequest, params.messageBytes) : binaryBody(params.requestBytes);
  const started = performance.now();
  const deadline = started + params.timeoutMs;
  let appendedBytes = 0;
  let requests = 0;
  let tail = "";
  while (appendedBytes < params.totalBytes) {
    if (performance.now() > deadline) throw new Error(`filling ${params.path} took over ${params.timeoutMs} ms`);
    const answer = await send(pool, "POST", params.path, headers, body);
    if (answer.status >= 300) throw new Error(`POST ${params.path} answered ${answer.status}`);
    appendedBytes += body.length;
    requests++;
    tail = header(answer, "stream-next-offset") ?? tail;
  }
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { appendedBytes, requests, seconds, tail };
}
