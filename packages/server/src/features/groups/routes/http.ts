/** Request and reply helpers of the group routes: JSON bodies in, JSON replies out, never cached. */
import { NO_STORE, ProtocolError } from "@rivulet/protocol";
import type { HttpReply, HttpRequest } from "../../../http/exchange.js";

const encoder = new TextEncoder();

export function json(status: number, body: unknown): HttpReply {
  return {
    status,
    headers: { "content-type": "application/json", "cache-control": NO_STORE },
    body: [encoder.encode(JSON.stringify(body))],
  };
}

export function noContent(): HttpReply {
  return { status: 204, headers: { "cache-control": NO_STORE } };
}

/** The body as a JSON object, or INVALID_GROUP_REQUEST. */
export async function readObject(request: HttpRequest, limit: number): Promise<Record<string, unknown>> {
  const body = await request.readBody(limit);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw invalid("The body must be JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid("The body must be a JSON object");
  return value as Record<string, unknown>;
}

export function invalid(message: string): ProtocolError {
  return new ProtocolError("INVALID_GROUP_REQUEST", message);
}
