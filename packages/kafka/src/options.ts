/**
 * `new Kafka(options)`: where the server is and how to talk to it. Defaults come from the
 * environment (`RIVULET_URL`, `RIVULET_TOKEN`) where there is one, as the `rivulet` CLI's do.
 */
import { KafkaError } from "./errors.js";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface KafkaOptions {
  /**
   * The server (`http://127.0.0.1:4437`, meaning its default stream root `/v1/stream`) or a
   * stream root with a path (`https://host/api/streams`). Default: `RIVULET_URL`, else
   * `http://127.0.0.1:4437`.
   */
  url?: string;
  /** Sent as `Authorization: Bearer <token>`. Default: `RIVULET_TOKEN`. */
  token?: string;
  /** Longest time one request may take, in ms (default 30,000). */
  timeoutMs?: number;
  /** Retries of a failed request that is safe to repeat (default 5). */
  retries?: number;
  /** Base of the exponential backoff between retries, in ms (default 100). */
  retryBackoffMs?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** The fetch implementation (default `globalThis.fetch`). */
  fetch?: FetchLike;
}

export interface ResolvedKafkaOptions {
  /** The stream root, without a trailing slash: `{base}` of docs/kafka-layer.md. */
  root: string;
  token: string | undefined;
  timeoutMs: number;
  retries: number;
  retryBackoffMs: number;
  headers: Record<string, string>;
  fetch: FetchLike;
}

export const DEFAULT_URL = "http://127.0.0.1:4437";
export const DEFAULT_STREAM_ROOT = "/v1/stream";

export function resolveKafkaOptions(options: KafkaOptions = {}): ResolvedKafkaOptions {
  const env = environment();
  const url = options.url ?? env.RIVULET_URL ?? DEFAULT_URL;
  return {
    root: streamRoot(url),
    token: options.token ?? env.RIVULET_TOKEN,
    timeoutMs: positive("timeoutMs", options.timeoutMs ?? 30_000),
    retries: count("retries", options.retries ?? 5),
    retryBackoffMs: count("retryBackoffMs", options.retryBackoffMs ?? 100),
    headers: { ...(options.headers ?? {}) },
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  };
}

function streamRoot(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid("url", `must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalid("url", `must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  const path = parsed.pathname.replace(/\/+$/, "");
  return `${parsed.origin}${path === "" ? DEFAULT_STREAM_ROOT : path}`;
}

/** `process.env` where there is one (Node, Bun, Deno with --allow-env); nothing in browsers. */
function environment(): Record<string, string | undefined> {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return process?.env ?? {};
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw invalid(name, `must be a positive number, got ${value}`);
  return value;
}

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw invalid(name, `must be a whole number ≥ 0, got ${value}`);
  return value;
}

export function invalid(name: string, problem: string): KafkaError {
  return new KafkaError("INVALID_ARGUMENT", `${name} ${problem}`);
}
