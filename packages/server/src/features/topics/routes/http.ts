/** Request and reply helpers of the topic routes: JSON bodies in, JSON replies out, never cached. */
import { NO_STORE, ProtocolError } from "@rivulet/protocol";
import type { HttpReply, HttpRequest } from "../../../http/exchange.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
/** Largest topic configuration or patch body. */
export const MAX_CONFIG_BYTES = 64 * 1024;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpReply {
  return {
    status,
    headers: { "content-type": "application/json", "cache-control": NO_STORE, ...headers },
    body: [encoder.encode(JSON.stringify(body))],
  };
}

export function noContent(): HttpReply {
  return { status: 204, headers: { "cache-control": NO_STORE } };
}

/** The body as JSON; an empty body is `{}` (every setting has a default). */
export async function readJson(request: HttpRequest): Promise<unknown> {
  const body = await request.readBody(MAX_CONFIG_BYTES);
  if (body.length === 0) return {};
  try {
    return JSON.parse(decoder.decode(body));
  } catch (cause) {
    throw new ProtocolError("INVALID_JSON", `The body is not valid JSON: ${(cause as Error).message}`, {}, { cause });
  }
}
