/**
 * A stream's retention settings and explicit trims (docs/extensions.md, "Retention" and
 * "Trim"), through the server's admin routes under the stream root: `GET` and `PATCH
 * {base}/__ds/streams/{path}`, `POST {base}/__ds/trim/{path}`. The root is the one the
 * capabilities answered under, and a server without the extension fails with UNSUPPORTED
 * before anything is sent. Servers with auth want an admin scope on the stream.
 */
import { checkNumber, invalidArgument, Rule } from "../check.js";
import type { Endpoint } from "../endpoint.js";
import { parseError } from "../errors.js";
import { runOperation } from "../handle/operation.js";
import type { OperationOptions } from "../handle/results.js";
import type { Method } from "../http/transport.js";
import { requireExtension } from "./capabilities.js";

export interface RetentionSettings {
  /** The stream's own settings; null where the server's default applies. */
  ms: number | null;
  bytes: number | null;
  /** What applies: the stream's own, else the server's default; null keeps everything. */
  effectiveMs: number | null;
  effectiveBytes: number | null;
  /** Where retained data begins, and the tail. */
  earliestOffset: string;
  nextOffset: string;
  /** The seq the next message will get. */
  nextSeq: number;
}

/** A change: a number sets a setting, `null` removes it (the server's default applies again), absent keeps it. */
export interface RetentionChange {
  ms?: number | null;
  bytes?: number | null;
}

export interface TrimResult {
  /** Where the stream starts now: the last message boundary at or before the offset asked for. */
  earliestOffset: string;
  nextOffset: string;
}

/** The stream's retention settings, what applies, and where it starts and ends. */
export async function getRetention(stream: Endpoint, options: OperationOptions = {}): Promise<RetentionSettings> {
  const url = await adminUrl(stream, "retention", "streams", options);
  return settingsOf(url, await adminCall(stream, url, "GET", undefined, options));
}

/** Changes the stream's retention (a JSON merge patch); answers the settings as they are now. */
export async function setRetention(
  stream: Endpoint,
  change: RetentionChange,
  options: OperationOptions = {},
): Promise<RetentionSettings> {
  const patch = retentionPatch(stream.url, change);
  const url = await adminUrl(stream, "retention", "streams", options);
  return settingsOf(url, await adminCall(stream, url, "PATCH", patch, options));
}

/**
 * Moves the stream's earliest offset forward to the last message boundary at or before
 * `offset` (`"now"`: the tail); never backwards, and never below what a fork reads.
 */
export async function trim(stream: Endpoint, offset: string, options: OperationOptions = {}): Promise<TrimResult> {
  if (typeof offset !== "string" || offset.length === 0) {
    throw invalidArgument(stream.url, "offset", 'must be an offset or "now"', offset);
  }
  const url = await adminUrl(stream, "trim", "trim", options);
  const body = await adminCall(stream, url, "POST", { offset }, options);
  return { earliestOffset: text(url, body, "earliest_offset"), nextOffset: text(url, body, "next_offset") };
}

function retentionPatch(url: string, change: RetentionChange): Record<string, number | null> {
  if (typeof change !== "object" || change === null) {
    throw invalidArgument(url, "change", "must be an object { ms, bytes }", change);
  }
  const patch: Record<string, number | null> = {};
  for (const [key, field] of [
    ["ms", "retention_ms"],
    ["bytes", "retention_bytes"],
  ] as const) {
    const value = change[key];
    if (value === undefined) continue;
    if (value !== null) checkNumber(url, key, value, Rule.nonNegativeInteger);
    patch[field] = value;
  }
  if (Object.keys(patch).length === 0) throw invalidArgument(url, "change", "names nothing to change", change);
  return patch;
}

/** `{base}/__ds/{route}/{the stream's path under the base}`. */
async function adminUrl(stream: Endpoint, extension: string, route: string, options: OperationOptions) {
  const { base } = await requireExtension(stream, extension, `${extension} through the admin API`, options);
  // The base is the client's or a folder above the stream (capabilities.ts), so the stream is under it.
  return `${base}/__ds/${route}/${stream.url.split(/[?#]/)[0]!.slice(base.length + 1)}`;
}

async function adminCall(
  stream: Endpoint,
  url: string,
  method: Method,
  body: unknown,
  options: OperationOptions,
): Promise<Record<string, unknown>> {
  const headers = body === undefined ? undefined : { "content-type": "application/merge-patch+json" };
  const request = {
    operation: "admin",
    method,
    ...(headers && { headers, body: JSON.stringify(body) }),
    // Setting values and trimming to an offset are idempotent: repeating them changes nothing.
    retry: "always",
  } as const;
  const response = await runOperation({ ...stream, url }, request, options);
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(response.body));
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch (cause) {
    throw parseError(url, "The admin answer is not JSON", cause);
  }
  throw parseError(url, "The admin answer is not a JSON object");
}

function settingsOf(url: string, body: Record<string, unknown>): RetentionSettings {
  return {
    ms: numberOrNull(url, body, "retention_ms"),
    bytes: numberOrNull(url, body, "retention_bytes"),
    effectiveMs: numberOrNull(url, body, "effective_retention_ms"),
    effectiveBytes: numberOrNull(url, body, "effective_retention_bytes"),
    earliestOffset: text(url, body, "earliest_offset"),
    nextOffset: text(url, body, "next_offset"),
    nextSeq: count(url, body, "next_seq"),
  };
}

function text(url: string, body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== "string") throw parseError(url, `The admin answer has no ${key}`);
  return value;
}

function numberOrNull(url: string, body: Record<string, unknown>, key: string): number | null {
  const value = body[key];
  if (value === null || typeof value === "number") return value;
  throw parseError(url, `The admin answer has no ${key}`);
}

function count(url: string, body: Record<string, unknown>, key: string): number {
  const value = numberOrNull(url, body, key);
  if (value === null) throw parseError(url, `The admin answer has no ${key}`);
  return value;
}
