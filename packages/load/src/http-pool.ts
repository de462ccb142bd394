/**
 * undici pools as every load generator uses them: keep-alive on, pipelining off, and the
 * target's own headers (credentials) sent with every request.
 */
import { Pool } from "undici";

/** Extra headers for every request, e.g. `authorization`. */
export type TargetHeaders = Readonly<Record<string, string>>;

export interface LoadPool {
  readonly dispatcher: Pool;
  readonly headers: TargetHeaders;
  /** Waits for requests in flight, then closes the connections. */
  close(): Promise<void>;
  /** Closes the connections now, failing requests in flight. */
  destroy(): Promise<void>;
}

export function openPool(origin: string, connections: number, headers: TargetHeaders = {}): LoadPool {
  const dispatcher = new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  return { dispatcher, headers, close: () => dispatcher.close(), destroy: () => dispatcher.destroy() };
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly bodyBytes: number;
}

/** One request, its answer's body drained (a GET's counted, never kept). */
export async function send(
  pool: LoadPool,
  method: "GET" | "PUT" | "POST" | "HEAD" | "DELETE" | "PATCH",
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Answer> {
  const response = await pool.dispatcher.request({
    method,
    path,
    headers: { ...pool.headers, ...headers },
    ...(body === undefined ? {} : { body }),
  });
  let bodyBytes = 0;
  if (method === "GET") {
    for await (const chunk of response.body) bodyBytes += (chunk as Buffer).length;
  } else await response.body.dump();
  return { status: response.statusCode, headers: response.headers, bodyBytes };
}

export function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
