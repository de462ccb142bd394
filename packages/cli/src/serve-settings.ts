/** The settings of `rivulet serve`: their flags, environment variables, parsers and defaults. */
import { readFile } from "node:fs/promises";
import { DEFAULT_PORT, DEFAULTS, type Durability } from "@rivulet/server";
import { type Command, InvalidArgumentError, Option } from "commander";
import { parseDuration, parseSize } from "./units.js";

export interface ServeSettings {
  host: string;
  port: number;
  dataDir: string;
  store: "file" | "memory";
  durability: Durability;
  basePath: string;
  chunkSize: number;
  maxBody: number;
  longPollTimeout: number;
  sseLifetime: number;
  corsOrigins: "*" | string[];
  logLevel: string;
}

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"];

/** Each setting as a commander Option: flag, RIVULET_* variable, parser, default. */
export function serveOptions(): Option[] {
  const option = (flags: string, description: string, env: string) => new Option(flags, description).env(env);
  return [
    option("--host <host>", "address to listen on", "RIVULET_HOST").default("127.0.0.1"),
    option("--port <port>", "port to listen on", "RIVULET_PORT").argParser(parsePort).default(DEFAULT_PORT),
    option("--data-dir <dir>", "where the durable store keeps its files", "RIVULET_DATA_DIR").default("./data"),
    option("--store <kind>", "file (durable) or memory", "RIVULET_STORE").choices(["file", "memory"]).default("file"),
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
  ];
}

/**
 * Fills every setting still at its default from the JSON config file, parsed like the flag.
 * Unknown keys are an error, so a typo does not silently do nothing.
 */
export async function applyConfigFile(command: Command, file: string): Promise<ServeSettings> {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  const options = new Map(serveOptions().map((option) => [option.attributeName(), option]));
  for (const [key, value] of Object.entries(config)) {
    const option = options.get(key);
    if (!option) throw new InvalidArgumentError(`unknown setting in ${file}: ${key}`);
    if (command.getOptionValueSource(key) !== "default") continue;
    const text = Array.isArray(value) ? value.join(",") : String(value);
    if (option.argChoices && !option.argChoices.includes(text)) {
      throw new InvalidArgumentError(`${key} in ${file} must be one of ${option.argChoices.join(", ")}`);
    }
    const parsed = option.parseArg ? option.parseArg(text, undefined) : text;
    command.setOptionValueWithSource(key, parsed, "config");
  }
  return command.opts() as ServeSettings;
}

function parsePort(value: string): number {
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
