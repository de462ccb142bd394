/** undici pools as every load generator uses them: keep-alive on, pipelining off. */
import { Pool } from "undici";

export function openPool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly bodyBytes: number;
}

/** One request, its answer's body drained (a GET's counted, never kept). */
export async function send(
  pool: Pool,
  method: "GET" | "PUT" | "POST" | "HEAD",
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Answer> {
  const response = await pool.request({ method, path, headers, ...(body === undefined ? {} : { body }) });
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
