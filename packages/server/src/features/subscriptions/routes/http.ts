/** Request and reply helpers of the subscription routes: JSON bodies, JSON replies, this server's public URL. */
import { type ErrorCode, NO_STORE, ProtocolError } from "@rivulet/protocol";
import type { HttpReply, HttpRequest } from "../../../http/exchange.js";
import type { ResolvedOptions } from "../../../options.js";

const encoder = new TextEncoder();

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

/** The request body as JSON; `code` names what a body that is not JSON is. */
export async function readJson(request: HttpRequest, limit: number, code: ErrorCode): Promise<unknown> {
  const body = await request.readBody(limit);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw new ProtocolError(code, "The body must be JSON");
  }
}

export function objectBody(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError("BAD_REQUEST", "The body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/**
 * Scheme and host clients reach this server at: `publicUrl` when configured; the proxy's
 * X-Forwarded-Proto and -Host when it is trusted; else the request's own.
 */
export function publicOrigin(request: HttpRequest, options: ResolvedOptions): string {
  if (options.publicUrl !== undefined) return options.publicUrl.replace(/\/+$/, "");
  if (options.trustProxy) {
    const host = first(request.header("x-forwarded-host"));
    if (host) return `${first(request.header("x-forwarded-proto")) ?? "http"}://${host}`;
  }
  return request.origin ?? `http://${request.header("host") ?? "localhost"}`;
}

function first(value: string | undefined): string | undefined {
  const entry = value?.split(",")[0]?.trim();
  return entry === "" ? undefined : entry;
}
