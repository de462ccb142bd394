/**
 * The subscription API's JSON (PROTOCOL §6.3, §7.1, §7.2) read into the client's camelCase
 * shapes. A body that lacks a field the protocol promises is a PARSE_ERROR naming it, not a
 * value that fails later somewhere else.
 */
import { parseError } from "../errors.js";

export type SubscriptionType = "webhook" | "pull-wake";
export type LinkType = "explicit" | "glob";

/** A stream linked to a subscription, and its cursor (§6.1). */
export interface LinkedStream {
  /** Stream-root-relative path, e.g. `orders/42`. */
  readonly path: string;
  /** `explicit` when added by `streams`, `glob` when matched by the pattern. */
  readonly linkType: LinkType;
  /** Processed up to here: the next read of this stream starts at this offset. */
  readonly ackedOffset: string;
}

/** A stream named by a wake: its cursor and the tail when the wake was issued (§7.1). */
export interface WakeStream extends LinkedStream {
  readonly tailOffset: string;
  readonly hasPending: boolean;
}

export interface SigningInfo {
  readonly alg: string;
  /** The server's active signing key when the subscription was read. */
  readonly kid: string;
  /** Where the server publishes its webhook signing keys (§6.5). */
  readonly jwksUrl: string;
}

export interface SubscriptionInfo {
  readonly id: string;
  readonly type: SubscriptionType;
  readonly pattern: string | null;
  readonly streams: readonly LinkedStream[];
  readonly webhookUrl: string | null;
  /** Webhook subscriptions: where the keys that sign their wakes are found. */
  readonly signing: SigningInfo | null;
  readonly wakeStream: string | null;
  readonly leaseTtlMs: number;
  readonly createdAt: string;
  /** `failed` while a retry is scheduled after a failed delivery (§6.3). */
  readonly status: "active" | "failed";
  readonly description: string | null;
  /** The last wake's generation (0 before the first). */
  readonly generation: number;
  /** When the next delivery attempt is due, while `status` is `failed`. */
  readonly nextAttemptAt: string | null;
}

/** A listing entry: the subscription without its cursors. */
export interface SubscriptionSummary extends Omit<SubscriptionInfo, "streams" | "signing"> {
  readonly streamCount: number;
  readonly pendingStreams: number;
}

export interface SubscriptionPage {
  readonly subscriptions: SubscriptionSummary[];
  /** Pass as `after` for the next page; null on the last one. */
  readonly next: string | null;
}

/** A pull-wake claim (§7.2): the wake this worker now holds. */
export interface WakeClaim {
  readonly subscriptionId: string;
  readonly wakeId: string;
  readonly generation: number;
  /** The claim token: authorises ack and release of this wake only (§12.9). */
  readonly token: string;
  readonly streams: readonly WakeStream[];
  readonly leaseTtlMs: number;
}

/** A webhook's body (§7.1), once its signature has been verified. */
export interface WebhookDelivery {
  readonly subscriptionId: string;
  readonly wakeId: string;
  readonly generation: number;
  readonly streams: readonly WakeStream[];
  readonly callbackUrl: string;
  readonly callbackToken: string;
}

type Json = Record<string, unknown>;

/** Reads fields off one JSON object, failing with PARSE_ERROR naming the first bad one. */
class Fields {
  constructor(
    private readonly record: Json,
    private readonly url: string,
    private readonly what: string,
  ) {}

  static of(value: unknown, url: string, what: string): Fields {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw parseError(url, `The ${what} is not a JSON object`);
    }
    return new Fields(value as Json, url, what);
  }

  string(key: string): string {
    const value = this.record[key];
    if (typeof value !== "string") throw this.bad(key, "a string");
    return value;
  }

  stringOrNull(key: string): string | null {
    const value = this.record[key] ?? null;
    if (value !== null && typeof value !== "string") throw this.bad(key, "a string or null");
    return value;
  }

  integer(key: string): number {
    const value = this.record[key];
    if (!Number.isSafeInteger(value)) throw this.bad(key, "an integer");
    return value as number;
  }

  boolean(key: string): boolean {
    const value = this.record[key];
    if (typeof value !== "boolean") throw this.bad(key, "true or false");
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.record[key];
    if (!allowed.includes(value as T)) throw this.bad(key, allowed.join(" or "));
    return value as T;
  }

  list<T>(key: string, read: (item: Fields) => T): T[] {
    const value = this.record[key];
    if (!Array.isArray(value)) throw this.bad(key, "an array");
    return value.map((item) => read(Fields.of(item, this.url, `${this.what}'s ${key} entry`)));
  }

  object(key: string): Fields | null {
    const value = this.record[key] ?? null;
    return value === null ? null : Fields.of(value, this.url, `${this.what}'s ${key}`);
  }

  private bad(key: string, expected: string) {
    return parseError(this.url, `The ${this.what}'s ${key} is not ${expected}`);
  }
}

const TYPES: readonly SubscriptionType[] = ["webhook", "pull-wake"];
const LINK_TYPES: readonly LinkType[] = ["explicit", "glob"];
const STATUSES = ["active", "failed"] as const;

function linkedStream(fields: Fields): LinkedStream {
  return {
    path: fields.string("path"),
    linkType: fields.oneOf("link_type", LINK_TYPES),
    ackedOffset: fields.string("acked_offset"),
  };
}

function wakeStream(fields: Fields): WakeStream {
  return {
    ...linkedStream(fields),
    tailOffset: fields.string("tail_offset"),
    hasPending: fields.boolean("has_pending"),
  };
}

/** The fields a subscription and its summary share. */
function common(fields: Fields) {
  return {
    id: fields.string("id"),
    type: fields.oneOf("type", TYPES),
    pattern: fields.stringOrNull("pattern"),
    webhookUrl: fields.object("webhook")?.string("url") ?? null,
    wakeStream: fields.stringOrNull("wake_stream"),
    leaseTtlMs: fields.integer("lease_ttl_ms"),
    createdAt: fields.string("created_at"),
    status: fields.oneOf("status", STATUSES),
    description: fields.stringOrNull("description"),
    generation: fields.integer("generation"),
    nextAttemptAt: fields.stringOrNull("next_attempt_at"),
  };
}

export function readSubscription(body: unknown, url: string): SubscriptionInfo {
  const fields = Fields.of(body, url, "subscription");
  const signing = fields.object("webhook")?.object("signing");
  return {
    ...common(fields),
    streams: fields.list("streams", linkedStream),
    signing: signing
      ? { alg: signing.string("alg"), kid: signing.string("kid"), jwksUrl: signing.string("jwks_url") }
      : null,
  };
}

export function readPage(body: unknown, url: string): SubscriptionPage {
  const fields = Fields.of(body, url, "listing");
  return {
    subscriptions: fields.list("subscriptions", (entry) => ({
      ...common(entry),
      streamCount: entry.integer("stream_count"),
      pendingStreams: entry.integer("pending_streams"),
    })),
    next: fields.stringOrNull("next"),
  };
}

export function readClaim(body: unknown, url: string, subscriptionId: string): WakeClaim {
  const fields = Fields.of(body, url, "claim");
  return {
    subscriptionId,
    wakeId: fields.string("wake_id"),
    generation: fields.integer("generation"),
    token: fields.string("token"),
    streams: fields.list("streams", wakeStream),
    leaseTtlMs: fields.integer("lease_ttl_ms"),
  };
}

export function readAckAnswer(body: unknown, url: string): { nextWake: boolean } {
  return { nextWake: Fields.of(body, url, "ack answer").boolean("next_wake") };
}

export function readWebhookDelivery(body: unknown, url: string): WebhookDelivery {
  const fields = Fields.of(body, url, "webhook body");
  return {
    subscriptionId: fields.string("subscription_id"),
    wakeId: fields.string("wake_id"),
    generation: fields.integer("generation"),
    streams: fields.list("streams", wakeStream),
    callbackUrl: fields.string("callback_url"),
    callbackToken: fields.string("callback_token"),
  };
}
