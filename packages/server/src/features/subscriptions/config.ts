/**
 * A subscription's configuration (PROTOCOL §6.2): parsed from the PUT body, validated,
 * normalised (stream paths deduplicated and sorted, the webhook URL in its canonical form,
 * defaults filled in) and hashed, so re-confirming with an equivalent body is recognised.
 * Pure apart from the allow-list it is handed; DNS checks of the webhook host happen in the
 * handler.
 */
import { createHash } from "node:crypto";
import { ProtocolError } from "@rivulet/protocol";
import { validateStreamPath } from "../../http/middleware/stream-path.js";
import { compileGlob, type GlobLimits } from "./glob.js";
import type { AllowList } from "./ssrf/allow-list.js";
import { checkWebhookUrl, type WebhookTarget } from "./ssrf/webhook-url.js";

export type SubscriptionType = "webhook" | "pull-wake";

export interface SubscriptionConfig {
  readonly type: SubscriptionType;
  readonly pattern: string | null;
  /** Explicit stream-root-relative paths, sorted and unique. */
  readonly streams: readonly string[];
  readonly webhook: { readonly url: string } | null;
  readonly wake_stream: string | null;
  readonly lease_ttl_ms: number;
  readonly description: string | null;
}

export interface ConfigRules {
  readonly basePath: string;
  readonly maxPathBytes: number;
  readonly glob: GlobLimits;
  readonly maxWebhookUrlLength: number;
  readonly maxStreams: number;
  readonly allow: AllowList;
}

/** PROTOCOL §6.2: from 1 second to 10 minutes, 30 seconds by default. */
export const LEASE_TTL = { min: 1000, max: 600_000, default: 30_000 } as const;
const MAX_DESCRIPTION = 1024;

export interface ParsedConfig {
  readonly config: SubscriptionConfig;
  /** The webhook target, for the DNS check; absent for pull-wake. */
  readonly target: WebhookTarget | undefined;
}

export function parseConfig(body: unknown, rules: ConfigRules): ParsedConfig {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalid("the body must be a JSON object");
  const fields = body as Record<string, unknown>;
  const type = fields.type;
  if (type !== "webhook" && type !== "pull-wake") throw invalid('type must be "webhook" or "pull-wake"');
  const pattern = optionalString(fields.pattern, "pattern");
  if (pattern !== null) compileGlob(pattern, rules.glob);
  const streams = parseStreams(fields.streams, rules);
  if (pattern === null && streams.length === 0) throw invalid("a subscription needs a pattern or streams (or both)");
  const leaseTtl = fields.lease_ttl_ms ?? LEASE_TTL.default;
  if (!Number.isInteger(leaseTtl) || (leaseTtl as number) < LEASE_TTL.min || (leaseTtl as number) > LEASE_TTL.max) {
    throw invalid(`lease_ttl_ms must be an integer from ${LEASE_TTL.min} to ${LEASE_TTL.max}`);
  }
  const description = optionalString(fields.description, "description");
  if (description !== null && description.length > MAX_DESCRIPTION) {
    throw invalid(`description must be at most ${MAX_DESCRIPTION} characters`);
  }
  const delivery = parseDelivery(type, fields, rules, streams);
  return {
    config: {
      type,
      pattern,
      streams,
      webhook: delivery.target ? { url: delivery.target.href } : null,
      wake_stream: delivery.wakeStream,
      lease_ttl_ms: leaseTtl as number,
      description,
    },
    target: delivery.target,
  };
}

/** PROTOCOL §6.2: the hash of the normalised configuration decides re-confirmation (200) vs conflict (409). */
export function configHash(config: SubscriptionConfig): string {
  const canonical = JSON.stringify([
    config.type,
    config.pattern,
    config.streams,
    config.webhook?.url ?? null,
    config.wake_stream,
    config.lease_ttl_ms,
    config.description,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * A stream-root-relative path from a request body, checked like a stream URL path would be
 * (PROTOCOL §12.2) and never in the reserved `__ds` namespace. A leading `/` is dropped.
 */
export function relativeStreamPath(raw: unknown, field: string, rules: Pick<ConfigRules, "basePath" | "maxPathBytes">) {
  if (typeof raw !== "string" || raw === "" || raw === "/") {
    throw invalid(`${field} must be non-empty stream paths`);
  }
  const path = raw.startsWith("/") ? raw.slice(1) : raw;
  if (path === "__ds" || path.startsWith("__ds/")) throw invalid(`${field}: __ds paths are reserved, not streams`);
  validateStreamPath(`${rules.basePath}/${path}`, rules.maxPathBytes);
  return path;
}

function parseDelivery(
  type: SubscriptionType,
  fields: Record<string, unknown>,
  rules: ConfigRules,
  streams: readonly string[],
): { target: WebhookTarget | undefined; wakeStream: string | null } {
  const webhook = fields.webhook ?? null;
  const wakeStream = fields.wake_stream ?? null;
  if (type === "webhook") {
    if (wakeStream !== null) throw invalid("wake_stream is for pull-wake subscriptions");
    if (typeof webhook !== "object" || webhook === null || Array.isArray(webhook)) {
      throw invalid("a webhook subscription needs webhook.url");
    }
    const target = checkWebhookUrl((webhook as Record<string, unknown>).url, rules.allow, rules.maxWebhookUrlLength);
    return { target, wakeStream: null };
  }
  if (webhook !== null) throw invalid("webhook is for webhook subscriptions");
  if (wakeStream === null) throw invalid("a pull-wake subscription needs wake_stream");
  const path = relativeStreamPath(wakeStream, "wake_stream", rules);
  // Its own wake events would wake it again, forever.
  if (streams.includes(path)) throw invalid("wake_stream cannot also be one of the subscription's streams");
  return { target: undefined, wakeStream: path };
}

function parseStreams(raw: unknown, rules: ConfigRules): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid("streams must be an array of stream paths");
  if (raw.length > rules.maxStreams) {
    throw new ProtocolError("TOO_MANY_SUBSCRIPTION_STREAMS", `streams may list at most ${rules.maxStreams} paths`);
  }
  const paths = new Set(raw.map((entry) => relativeStreamPath(entry, "streams", rules)));
  return [...paths].sort();
}

function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw invalid(`${field} must be a string`);
  return value;
}

function invalid(message: string): ProtocolError {
  return new ProtocolError("INVALID_SUBSCRIPTION", message);
}
