/** The settings of `rivulet serve`: their flags, environment variables, parsers and defaults. */
import {
  checkPublicUrl,
  checkWebhookAllowList,
  DEFAULT_PORT,
  DEFAULT_SEGMENT_BYTES,
  DEFAULTS,
  type Durability,
  type GroupSettings,
  LISTEN_DEFAULTS,
  type SubscriptionSettings,
  type TopicSettings,
  type TransactionSettings,
} from "@rivulet/server";
import { InvalidArgumentError, Option } from "commander";
import type { AuthSettings } from "./serve-auth.js";
import { isPostgresUrl, type StoreChoice } from "./store-choice.js";
import { parseDuration, parseLimit, parseRate, parseSize } from "./units.js";

export interface ServeSettings extends AuthSettings {
  host: string;
  port: number;
  dataDir: string;
  store: StoreChoice;
  /** For a PostgreSQL store: apply missing schema migrations at start (`--no-migrate` turns it off). */
  migrate: boolean;
  durability: Durability;
  basePath: string;
  chunkSize: number;
  maxBody: number;
  longPollTimeout: number;
  sseLifetime: number;
  corsOrigins: "*" | string[];
  logLevel: string;
  maxMessage: number;
  maxPathLength: number;
  maxStreams: number;
  maxLiveConnections: number;
  maxLiveConnectionsPerClient: number;
  rateLimitPerClient: number;
  rateLimitPerClientBurst?: number;
  rateLimitPerToken: number;
  rateLimitPerTokenBurst?: number;
  trustProxy?: boolean;
  headersTimeout: number;
  requestTimeout: number;
  bodyIdleTimeout: number;
  slowReaderTimeout: number;
  maxHeaderSize: number;
  retentionMs: number;
  retentionBytes: number;
  segmentSize: number;
  pidFile?: string;
  ui: boolean;
  otel?: boolean;
  webhookAllow: string[];
  publicUrl?: string;
  /** Subscription limits and delivery tuning: only from the config file's `subscriptions` object. */
  subscriptions?: SubscriptionSettings;
  /** Topics' paths, limits and compaction: only from the config file's `topics` object. */
  topics?: TopicSettings;
  /** Consumer group timeouts and limits: only from the config file's `groups` object. */
  groups?: GroupSettings;
  /** Transaction limits (docs/kafka-layer.md): only from the config file's `transactions` object. */
  transactions?: TransactionSettings;
}

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"];

/** Each setting as a commander Option: flag, RIVULET_* variable, parser, default. */
export function serveOptions(): Option[] {
  const option = (flags: string, description: string, env: string) => new Option(flags, description).env(env);
  return [
    option("--host <host>", "address to listen on", "RIVULET_HOST").default("127.0.0.1"),
    option("--port <port>", "port to listen on", "RIVULET_PORT").argParser(parsePort).default(DEFAULT_PORT),
    option("--data-dir <dir>", "where the durable store keeps its files", "RIVULET_DATA_DIR").default("./data"),
    option(
      "--store <kind>",
      "file (durable), memory, or postgres://user:password@host:port/database (several nodes share it)",
      "RIVULET_STORE",
    )
      .argParser(parseStore)
      .default("file" as StoreChoice, "file"),
    option(
      "--no-migrate",
      "with --store postgres://…: do not apply schema migrations at start (run `rivulet migrate` instead)",
      "RIVULET_NO_MIGRATE",
    ),
    option("--durability <mode>", "fsync (before every acknowledgement) or interval:<ms>", "RIVULET_DURABILITY")
      .argParser(parseDurability)
      .default("fsync" as Durability, "fsync"),
    option("--base-path <path>", "URL prefix of stream paths", "RIVULET_BASE_PATH").default(DEFAULTS.basePath),
    option("--chunk-size <size>", "largest read response chunk", "RIVULET_CHUNK_SIZE")
      .argParser(parseSize)
      .default(DEFAULTS.chunkBytes, "1MiB"),
    option("--max-body <size>", "largest accepted request body", "RIVULET_MAX_BODY")
      .argParser(parseSize)
      .default(DEFAULTS.maxBodyBytes, "64MiB"),
    option("--long-poll-timeout <duration>", "how long a long-poll waits for data", "RIVULET_LONG_POLL_TIMEOUT")
      .argParser(parseDuration)
      .default(DEFAULTS.longPollTimeoutMs, "30s"),
    option("--sse-lifetime <duration>", "SSE connections are closed after this long", "RIVULET_SSE_LIFETIME")
      .argParser(parseDuration)
      .default(DEFAULTS.sseLifetimeMs, "60s"),
    option("--cors-origins <origins>", "* or a comma-separated list of allowed origins", "RIVULET_CORS_ORIGINS")
      .argParser(parseOrigins)
      .default("*" as const),
    option("--log-level <level>", "debug, info, warn, error or silent", "RIVULET_LOG_LEVEL")
      .choices(LOG_LEVELS)
      .default("info"),
    option(
      "--pid-file <file>",
      "write the server's process id here once listening (for bench --pid)",
      "RIVULET_PID_FILE",
    ),
    option("--no-ui", "do not serve the dashboard at /ui", "RIVULET_NO_UI"),
    option(
      "--otel",
      "export a span per request over OTLP/HTTP (set OTEL_EXPORTER_OTLP_ENDPOINT and other OTEL_* variables)",
      "RIVULET_OTEL",
    ),
    ...accessOptions(option),
    ...limitOptions(option),
    ...retentionOptions(option),
    ...subscriptionOptions(option),
  ];
}

/** Subscriptions (docs/subscriptions.md): where webhooks may go, and the URL callbacks come back to. */
function subscriptionOptions(option: MakeOption): Option[] {
  return [
    option(
      "--webhook-allow <targets>",
      "hosts, addresses or CIDR ranges webhooks may reach although private, comma-separated (e.g. localhost,10.0.0.0/8)",
      "RIVULET_WEBHOOK_ALLOW",
    )
      .argParser(parseWebhookAllow)
      .default([] as string[], "none"),
    option(
      "--public-url <url>",
      "the URL clients reach this server at, for webhook callback and JWKS URLs (default: from each request)",
      "RIVULET_PUBLIC_URL",
    ).argParser(parsePublicUrl),
  ];
}

/** Retention (docs/extensions.md): server-wide defaults for streams without their own, and the unit it frees. */
function retentionOptions(option: MakeOption): Option[] {
  return [
    option(
      "--retention-ms <duration>",
      "drop messages older than this from streams without their own retention (0 = keep everything)",
      "RIVULET_RETENTION_MS",
    )
      .argParser(orZero(parseDuration))
      .default(DEFAULTS.retentionMs, "0"),
    option(
      "--retention-bytes <size>",
      "keep about this much of each stream without its own retention (0 = keep everything)",
      "RIVULET_RETENTION_BYTES",
    )
      .argParser(orZero(parseSize))
      .default(DEFAULTS.retentionBytes, "0"),
    option(
      "--segment-size <size>",
      "file size of new streams' segments: retention frees whole segments (a multiple of 32KiB)",
      "RIVULET_SEGMENT_SIZE",
    )
      .argParser(parseSegmentSize)
      .default(DEFAULT_SEGMENT_BYTES, "64MiB"),
  ];
}

/** `0` turns a setting off; anything else is parsed by `parse`. */
function orZero(parse: (value: string) => number): (value: string) => number {
  return (value) => (value.trim() === "0" ? 0 : parse(value));
}

function parseSegmentSize(value: string): number {
  const size = parseSize(value);
  if (size % (32 * 1024) !== 0) throw new InvalidArgumentError("must be a multiple of 32KiB");
  return size;
}

type MakeOption = (flags: string, description: string, env: string) => Option;

/** Access control (docs/security.md). Secrets come from files, never from the command line. */
function accessOptions(option: MakeOption): Option[] {
  return [
    option(
      "--auth-tokens-file <file>",
      'JSON array of static tokens: [{"token","scopes","id"}]',
      "RIVULET_AUTH_TOKENS_FILE",
    ),
    option("--jwt-hs256-secret-file <file>", "file holding the HS256 secret for JWTs", "RIVULET_JWT_HS256_SECRET_FILE"),
    option(
      "--jwt-eddsa-public-key-file <file>",
      "PEM Ed25519 public key for EdDSA JWTs",
      "RIVULET_JWT_EDDSA_PUBLIC_KEY_FILE",
    ),
    option("--jwt-jwks-url <url>", "JWKS URL with Ed25519 keys for EdDSA JWTs", "RIVULET_JWT_JWKS_URL"),
    option("--jwt-issuer <iss>", "required JWT issuer (iss)", "RIVULET_JWT_ISSUER"),
    option("--jwt-audience <aud>", "required JWT audience (aud)", "RIVULET_JWT_AUDIENCE"),
    option("--jwt-scope-claim <claim>", "JWT claim holding the scopes (default scope)", "RIVULET_JWT_SCOPE_CLAIM"),
    option("--insecure", "allow listening beyond loopback without authentication", "RIVULET_INSECURE"),
  ];
}

/** Limits and timeouts, each with its documented default (docs/security.md). */
function limitOptions(option: MakeOption): Option[] {
  return [
    option("--max-message <size>", "largest single JSON message", "RIVULET_MAX_MESSAGE")
      .argParser(parseSize)
      .default(DEFAULTS.maxMessageBytes, "1MiB"),
    option("--max-path-length <bytes>", "longest stream path in bytes", "RIVULET_MAX_PATH_LENGTH")
      .argParser(parseLimit)
      .default(DEFAULTS.maxPathBytes),
    option("--max-streams <count>", "most streams the server holds (0 = no limit)", "RIVULET_MAX_STREAMS")
      .argParser(parseLimit)
      .default(DEFAULTS.maxStreams),
    option(
      "--max-live-connections <count>",
      "most concurrent long-polls and SSE sessions",
      "RIVULET_MAX_LIVE_CONNECTIONS",
    )
      .argParser(parseLimit)
      .default(DEFAULTS.maxLiveConnections),
    option(
      "--max-live-connections-per-client <count>",
      "most concurrent long-polls and SSE sessions from one address",
      "RIVULET_MAX_LIVE_CONNECTIONS_PER_CLIENT",
    )
      .argParser(parseLimit)
      .default(DEFAULTS.maxLiveConnectionsPerClient),
    option(
      "--rate-limit-per-client <rps>",
      "requests per second per client address (0 = off)",
      "RIVULET_RATE_LIMIT_PER_CLIENT",
    )
      .argParser(parseRate)
      .default(DEFAULTS.rateLimitPerClient),
    option(
      "--rate-limit-per-client-burst <count>",
      "burst per client address (default 2 × the rate)",
      "RIVULET_RATE_LIMIT_PER_CLIENT_BURST",
    ).argParser(parseLimit),
    option(
      "--rate-limit-per-token <rps>",
      "requests per second per credential (0 = off)",
      "RIVULET_RATE_LIMIT_PER_TOKEN",
    )
      .argParser(parseRate)
      .default(DEFAULTS.rateLimitPerToken),
    option(
      "--rate-limit-per-token-burst <count>",
      "burst per credential (default 2 × the rate)",
      "RIVULET_RATE_LIMIT_PER_TOKEN_BURST",
    ).argParser(parseLimit),
    option(
      "--trust-proxy",
      "take the client address from X-Forwarded-For (behind a proxy only)",
      "RIVULET_TRUST_PROXY",
    ),
    option("--headers-timeout <duration>", "request headers must arrive within this", "RIVULET_HEADERS_TIMEOUT")
      .argParser(parseDuration)
      .default(LISTEN_DEFAULTS.headersTimeoutMs, "10s"),
    option("--request-timeout <duration>", "a whole request must arrive within this", "RIVULET_REQUEST_TIMEOUT")
      .argParser(parseDuration)
      .default(LISTEN_DEFAULTS.requestTimeoutMs, "300s"),
    option(
      "--body-idle-timeout <duration>",
      "a request body that stalls this long is cut off",
      "RIVULET_BODY_IDLE_TIMEOUT",
    )
      .argParser(parseDuration)
      .default(DEFAULTS.bodyIdleTimeoutMs, "15s"),
    option(
      "--slow-reader-timeout <duration>",
      "a response the client does not read within this is cut off",
      "RIVULET_SLOW_READER_TIMEOUT",
    )
      .argParser(parseDuration)
      .default(DEFAULTS.slowReaderTimeoutMs, "30s"),
    option("--max-header-size <size>", "largest request head (request line and headers)", "RIVULET_MAX_HEADER_SIZE")
      .argParser(parseSize)
      .default(LISTEN_DEFAULTS.maxHeaderBytes, "16KiB"),
  ];
}

function parseWebhookAllow(value: string): string[] {
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    checkWebhookAllowList(entries);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return entries;
}

function parsePublicUrl(value: string): string {
  try {
    checkPublicUrl(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

function parseStore(value: string): StoreChoice {
  if (value === "file" || value === "memory" || isPostgresUrl(value)) return value;
  throw new InvalidArgumentError("must be file, memory or a postgres:// URL");
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("must be 0–65535");
  return port;
}

function parseDurability(value: string): Durability {
  if (value === "fsync") return "fsync";
  const match = /^interval:(\d+)$/.exec(value);
  if (match && Number(match[1]) > 0) return { intervalMs: Number(match[1]) };
  throw new InvalidArgumentError("must be fsync or interval:<milliseconds>");
}

function parseOrigins(value: string): "*" | string[] {
  const trimmed = value.trim();
  if (trimmed === "*") return "*";
  const origins = trimmed
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (origins.length === 0) throw new InvalidArgumentError("must be * or a list of origins");
  return origins;
}
