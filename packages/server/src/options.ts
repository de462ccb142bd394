/**
 * The server's own settings, with the documented defaults (docs/security.md describes the
 * limits). ServerOptions (server-options.ts) adds the features to mount.
 */
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
  /** How long a Producer-Seq that skips ahead waits for earlier ones (default 250 ms). */
  producerReorderWaitMs?: number;
  /** Responses at least this large are compressed when the client accepts it (default 1 KiB; 0 disables). */
  compressMinBytes?: number;
  /** Structured logger (default: silent; `rivulet serve` logs JSON lines). */
  logger?: Logger;
  /** Serve Prometheus metrics at /metrics (default true). */
  metrics?: boolean;
  /** Serve the dashboard at /ui (default true; it asks for a token when the server has auth). */
  ui?: boolean;
}

export type ResolvedOptions = Required<
  Omit<CoreOptions, "store" | "logger" | "auth" | "rateLimitPerClientBurst" | "rateLimitPerTokenBurst">
> & {
  store: Store;
  logger: Logger;
  auth: AuthOptions | undefined;
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
  producerReorderWaitMs: 250,
  compressMinBytes: 1024,
  metrics: true,
  ui: true,
} as const;
