/**
 * The server's own settings, with the documented defaults (docs/security.md describes the
 * limits). ServerOptions (server-options.ts) adds the features to mount.
 */
import type { GroupSettings } from "./features/groups/settings.js";
import type { SubscriptionSettings } from "./features/subscriptions/settings.js";
import type { TopicSettings } from "./features/topics/settings.js";
import type { TransactionSettings } from "./features/transactions/settings.js";
import type { AuthOptions } from "./http/middleware/auth/config.js";
import type { Logger } from "./ops/logger.js";
import type { Store } from "./store/types.js";

export interface CoreOptions {
  /** Where streams live; default a MemoryStore. */
  store?: Store;
  /** URL prefix of stream paths (default `/v1/stream`). */
  basePath?: string;
  /** How long a long-poll waits for data before 204 (default 30 s). */
  longPollTimeoutMs?: number;
  /** SSE connections are closed after about this long so CDNs can collapse (PROTOCOL §10.2; default 60 s). */
  sseLifetimeMs?: number;
  /** Largest response chunk for reads (default 1 MiB). */
  chunkBytes?: number;
  /** Largest accepted request body (default 64 MiB; PAYLOAD_TOO_LARGE, 413). */
  maxBodyBytes?: number;
  /** Largest single message of a JSON body (default 1 MiB; MESSAGE_TOO_LARGE, 413). */
  maxMessageBytes?: number;
  /** Longest stream path in UTF-8 bytes, base path included (default 1024; PATH_TOO_LONG, 414). */
  maxPathBytes?: number;
  /** Most streams the server holds; 0 = no limit (default 1,000,000; STREAM_LIMIT_REACHED, 507). */
  maxStreams?: number;
  /** Most concurrent long-polls plus SSE sessions; 0 = no limit (default 32,768; TOO_MANY_CONNECTIONS, 503). */
  maxLiveConnections?: number;
  /** Most concurrent long-polls plus SSE sessions from one client address; 0 = no limit (default 16,384). */
  maxLiveConnectionsPerClient?: number;
  /** Requests per second one client address may make; 0 = no limit (default 0; RATE_LIMITED, 429). */
  rateLimitPerClient?: number;
  /** Requests a client may make in a burst above its rate (default 2 × the rate). */
  rateLimitPerClientBurst?: number;
  /** Requests per second one credential may make; 0 = no limit (default 0; RATE_LIMITED, 429). */
  rateLimitPerToken?: number;
  /** Requests a credential may make in a burst above its rate (default 2 × the rate). */
  rateLimitPerTokenBurst?: number;
  /**
   * Take the client address from the last `X-Forwarded-For` entry (default false). Only behind
   * a proxy that sets it: otherwise clients choose their own address and dodge per-client limits.
   */
  trustProxy?: boolean;
  /** A request body that sends nothing for this long is cut off (default 15 s; REQUEST_TIMEOUT, 408). */
  bodyIdleTimeoutMs?: number;
  /** A response the client does not read within this long is cut off (default 30 s; see slow readers). */
  slowReaderTimeoutMs?: number;
  /** Access control; absent (the default) means every request is allowed. */
  auth?: AuthOptions;
  /** Allowed CORS origins: `*` (default) or a list. */
  corsOrigins?: "*" | readonly string[];
  /** `public` (default) or `private` caching of catch-up reads (PROTOCOL §10.1). */
  cacheVisibility?: "public" | "private";
  /** How often expired streams are reclaimed (default 5 s). */
  sweepIntervalMs?: number;
  /**
   * Server-wide retention by age for streams without their own Stream-Retention-Ms: messages
   * older than this may be dropped from a stream's head, in whole storage units (0, the default:
   * keep everything; docs/extensions.md).
   */
  retentionMs?: number;
  /** Server-wide retention by size for streams without their own Stream-Retention-Bytes (0, the default: keep everything). */
  retentionBytes?: number;
  /** How often retention looks for data to reclaim (default 1 s). */
  retentionIntervalMs?: number;
  /** How long a Producer-Seq that skips ahead waits for earlier ones (default 250 ms). */
  producerReorderWaitMs?: number;
  /** Responses at least this large are compressed when the client accepts it (default 1 KiB; 0 disables). */
  compressMinBytes?: number;
  /** Structured logger (default: silent; `rivulet serve` logs JSON lines). */
  logger?: Logger;
  /** The clock append times, expiry and retention go by, ms since the epoch (default Date.now; tests set their own). */
  clock?: () => number;
  /** Serve Prometheus metrics at /metrics (default true). */
  metrics?: boolean;
  /**
   * Webhook targets allowed although they are loopback, private or link-local (PROTOCOL §12.8):
   * host names (`localhost`, `*.internal.example`), addresses or CIDR ranges (`10.1.0.0/16`).
   * A target on this list may also use `http://`. Default none (docs/subscriptions.md).
   */
  webhookAllow?: readonly string[];
  /**
   * The URL clients reach this server at, e.g. `https://streams.example.com`: webhook
   * callback and JWKS URLs start with it. Default: the scheme and Host of the request that
   * created the subscription (X-Forwarded-Proto/-Host too with `trustProxy`).
   */
  publicUrl?: string;
  /** Subscription limits and delivery tuning (docs/subscriptions.md). */
  subscriptions?: SubscriptionSettings;
  /** Topics: where partition streams live, limits, compaction (docs/kafka-layer.md). */
  topics?: TopicSettings;
  /** Consumer group timeouts and limits (docs/kafka-layer.md). */
  groups?: GroupSettings;
  /** Transaction limits (docs/kafka-layer.md). */
  transactions?: TransactionSettings;
}

export type ResolvedOptions = Required<
  Omit<
    CoreOptions,
    | "store"
    | "logger"
    | "clock"
    | "auth"
    | "rateLimitPerClientBurst"
    | "rateLimitPerTokenBurst"
    | "publicUrl"
    | "subscriptions"
    | "topics"
    | "groups"
    | "transactions"
  >
> & {
  store: Store;
  logger: Logger;
  clock: () => number;
  auth: AuthOptions | undefined;
  publicUrl: string | undefined;
  subscriptions: SubscriptionSettings | undefined;
  topics: TopicSettings | undefined;
  groups: GroupSettings | undefined;
  transactions: TransactionSettings | undefined;
  rateLimitPerClientBurst: number | undefined;
  rateLimitPerTokenBurst: number | undefined;
};

export const DEFAULTS = {
  basePath: "/v1/stream",
  longPollTimeoutMs: 30_000,
  sseLifetimeMs: 60_000,
  chunkBytes: 1 << 20,
  maxBodyBytes: 64 << 20,
  maxMessageBytes: 1 << 20,
  maxPathBytes: 1024,
  maxStreams: 1_000_000,
  maxLiveConnections: 32_768,
  maxLiveConnectionsPerClient: 16_384,
  rateLimitPerClient: 0,
  rateLimitPerToken: 0,
  trustProxy: false,
  bodyIdleTimeoutMs: 15_000,
  slowReaderTimeoutMs: 30_000,
  corsOrigins: "*",
  cacheVisibility: "public",
  sweepIntervalMs: 5_000,
  retentionMs: 0,
  retentionBytes: 0,
  retentionIntervalMs: 1_000,
  producerReorderWaitMs: 250,
  compressMinBytes: 1024,
  metrics: true,
  webhookAllow: [] as readonly string[],
} as const;
