/**
 * Subscription limits and delivery tuning (`ServerOptions.subscriptions`), with their
 * defaults. docs/subscriptions.md describes each; the error code a limit answers with is named
 * beside it.
 */
export interface SubscriptionSettings {
  /** Most subscriptions the server holds (default 10,000; SUBSCRIPTION_LIMIT_REACHED, 507). */
  readonly maxSubscriptions?: number;
  /** Most streams linked to one subscription (default 10,000; TOO_MANY_SUBSCRIPTION_STREAMS, 400). */
  readonly maxStreamsPerSubscription?: number;
  /** Longest glob pattern in characters (default 256; PATTERN_TOO_COMPLEX, 400). */
  readonly maxPatternLength?: number;
  /** Most segments in a pattern (default 32; PATTERN_TOO_COMPLEX). */
  readonly maxPatternSegments?: number;
  /** Most wildcards (`*`, `**`) in a pattern (default 8), of which `**` at most 2 (PATTERN_TOO_COMPLEX). */
  readonly maxPatternWildcards?: number;
  /** Longest webhook URL (default 2,048 characters; WEBHOOK_URL_TOO_LONG, 400). */
  readonly maxWebhookUrlLength?: number;
  /** Largest body of a subscription request (default 1 MiB; PAYLOAD_TOO_LARGE, 413). */
  readonly maxBodyBytes?: number;
  /** Most streams one wake names (default 1,000); the rest are named by the next wake. */
  readonly maxStreamsPerWake?: number;
  /** How long one webhook request may take, connection included (default 10 s). */
  readonly webhookTimeoutMs?: number;
  /** Most webhook requests in flight at once (default 64). */
  readonly webhookConcurrency?: number;
  /** Most webhook requests in flight to one origin (default 8), so one slow endpoint cannot take every slot. */
  readonly webhookConcurrencyPerOrigin?: number;
  /** First retry delay after a failed delivery (default 1 s, PROTOCOL §7.1). */
  readonly retryBaseMs?: number;
  /** Longest retry delay (default 60 s, PROTOCOL §7.1). Both get 20% jitter. */
  readonly retryMaxMs?: number;
  /** The webhook signing key is replaced after this long (default 30 days; 0 = never). */
  readonly keyRotationMs?: number;
  /** How long a replaced key stays in the JWKS (default 10 min: the 5-minute replay window, and clock skew). */
  readonly retiredKeyTtlMs?: number;
  /** Callback and claim tokens expire this long after they are issued (default 24 h). */
  readonly tokenTtlMs?: number;
  /** Subscriptions that get their own lag series in /metrics: the largest lags (default 20). */
  readonly lagSeries?: number;
  /** Records in a state log past its last snapshot before it is compacted (default 10,000). */
  readonly compactAfterRecords?: number;
  /** After a failed state write (a full disk), how long until the state is replayed and subscriptions resume (default 5 s). */
  readonly recoverAfterMs?: number;
}

export type ResolvedSubscriptionSettings = Required<SubscriptionSettings>;

export const SUBSCRIPTION_DEFAULTS: ResolvedSubscriptionSettings = {
  maxSubscriptions: 10_000,
  maxStreamsPerSubscription: 10_000,
  maxPatternLength: 256,
  maxPatternSegments: 32,
  maxPatternWildcards: 8,
  maxWebhookUrlLength: 2048,
  maxBodyBytes: 1 << 20,
  maxStreamsPerWake: 1000,
  webhookTimeoutMs: 10_000,
  webhookConcurrency: 64,
  webhookConcurrencyPerOrigin: 8,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  keyRotationMs: 30 * 24 * 3600_000,
  retiredKeyTtlMs: 10 * 60_000,
  tokenTtlMs: 24 * 3600_000,
  lagSeries: 20,
  compactAfterRecords: 10_000,
  recoverAfterMs: 5000,
};

/** The settings with defaults filled in; throws on a value that cannot work. */
export function resolveSubscriptionSettings(settings: SubscriptionSettings = {}): ResolvedSubscriptionSettings {
  const resolved = { ...SUBSCRIPTION_DEFAULTS };
  for (const [key, value] of Object.entries(settings) as Array<[keyof SubscriptionSettings, unknown]>) {
    if (value === undefined) continue;
    if (!(key in SUBSCRIPTION_DEFAULTS)) throw new Error(`subscriptions: unknown setting ${key}`);
    const zeroAllowed = key === "keyRotationMs" || key === "lagSeries";
    if (typeof value !== "number" || !Number.isInteger(value) || value < (zeroAllowed ? 0 : 1)) {
      throw new Error(`subscriptions.${key} must be an integer of at least ${zeroAllowed ? 0 : 1}`);
    }
    resolved[key] = value;
  }
  if (resolved.retryMaxMs < resolved.retryBaseMs) {
    throw new Error("subscriptions.retryMaxMs must be at least retryBaseMs");
  }
  return resolved;
}
