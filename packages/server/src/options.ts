/** Server options, with the documented defaults. */
import type { Logger } from "./ops/logger.js";
import type { Store } from "./store/types.js";

export interface ServerOptions {
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
  /** Largest accepted request body (default 64 MiB). */
  maxBodyBytes?: number;
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
}

export type ResolvedOptions = Required<Omit<ServerOptions, "store" | "logger">> & { store: Store; logger: Logger };

export const DEFAULTS = {
  basePath: "/v1/stream",
  longPollTimeoutMs: 30_000,
  sseLifetimeMs: 60_000,
  chunkBytes: 1 << 20,
  maxBodyBytes: 64 << 20,
  corsOrigins: "*",
  cacheVisibility: "public",
  sweepIntervalMs: 5_000,
  producerReorderWaitMs: 250,
  compressMinBytes: 1024,
  metrics: true,
} as const;
