/**
 * A subscription's configuration as the caller writes it (PROTOCOL §6.2): which streams (a
 * glob pattern, explicit paths, or both) and how to deliver (a webhook URL or a wake stream),
 * checked before any request and turned into the PUT body.
 */
import { checkNumber, invalidArgument } from "../check.js";

interface Targets {
  /** Glob over stream-root-relative paths: `*` one segment, `**` zero or more (`orders/*`). */
  pattern?: string;
  /** Explicit stream-root-relative paths, in addition to the pattern. */
  streams?: readonly string[];
  /** Lease of a wake, 1 s to 10 min (server default 30 s). */
  leaseTtlMs?: number;
  description?: string;
}

export interface WebhookConfig extends Targets {
  /** Where the server POSTs signed wakes (§7.1); `https://` unless the server allows it. */
  webhook: string | URL;
  wakeStream?: never;
}

export interface PullWakeConfig extends Targets {
  /** The stream (which the application creates) that wake events are written to (§7.2). */
  wakeStream: string;
  webhook?: never;
}

/** A webhook subscription (`webhook`) or a pull-wake one (`wakeStream`), over a pattern, streams, or both. */
export type SubscriptionConfig = WebhookConfig | PullWakeConfig;

/** PROTOCOL §6.2: from 1 second to 10 minutes. */
const LEASE_TTL = {
  holds: (v: number) => Number.isInteger(v) && v >= 1_000 && v <= 600_000,
  expected: "a whole number of milliseconds from 1000 to 600000",
};

/** The PUT body for `config`; INVALID_ARGUMENT naming the first field that cannot work. */
export function configBody(url: string, config: SubscriptionConfig): Record<string, unknown> {
  if (typeof config !== "object" || config === null) throw invalidArgument(url, "config", "must be an object", config);
  const { pattern, streams, leaseTtlMs, description } = config;
  if (pattern !== undefined && (typeof pattern !== "string" || pattern === "")) {
    throw invalidArgument(url, "pattern", "must be a non-empty glob", pattern);
  }
  if (streams !== undefined && (!Array.isArray(streams) || streams.some((s) => typeof s !== "string" || s === ""))) {
    throw invalidArgument(url, "streams", "must be an array of stream paths", streams);
  }
  if (pattern === undefined && (streams ?? []).length === 0) {
    throw invalidArgument(url, "pattern", "or streams is needed: a subscription names the streams it follows", config);
  }
  checkNumber(url, "leaseTtlMs", leaseTtlMs, LEASE_TTL);
  if (description !== undefined && typeof description !== "string") {
    throw invalidArgument(url, "description", "must be a string", description);
  }
  const body: Record<string, unknown> = { ...delivery(url, config) };
  if (pattern !== undefined) body.pattern = pattern;
  if (streams !== undefined) body.streams = streams;
  if (leaseTtlMs !== undefined) body.lease_ttl_ms = leaseTtlMs;
  if (description !== undefined) body.description = description;
  return body;
}

function delivery(url: string, config: SubscriptionConfig): Record<string, unknown> {
  const { webhook, wakeStream } = config;
  if ((webhook === undefined) === (wakeStream === undefined)) {
    throw invalidArgument(url, "webhook", "or wakeStream is needed, and only one of them", config);
  }
  if (wakeStream !== undefined) {
    if (typeof wakeStream !== "string" || wakeStream === "") {
      throw invalidArgument(url, "wakeStream", "must be a stream path", wakeStream);
    }
    return { type: "pull-wake", wake_stream: wakeStream };
  }
  const href = webhook instanceof URL ? webhook.href : webhook;
  if (typeof href !== "string" || !/^https?:\/\//i.test(href)) {
    throw invalidArgument(url, "webhook", "must be an http: or https: URL", webhook);
  }
  return { type: "webhook", webhook: { url: href } };
}
