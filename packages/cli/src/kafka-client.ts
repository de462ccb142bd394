/**
 * The `@rivulet/kafka` client for topic, produce, consume and group commands, from the shared
 * connection flags (--url, --token, --header, --timeout, --retries; a context already applied).
 * --verbose logs each request's method, URL, status and time — never headers, so never tokens.
 */
import { type FetchLike, Kafka } from "@rivulet/kafka";
import type { ConnectionFlags } from "./connection.js";
import { streamRoot } from "./stream-url.js";

export function kafkaClient(flags: ConnectionFlags): Kafka {
  const headers: Record<string, string> = {};
  for (const [name, value] of flags.header ?? []) headers[name.toLowerCase()] = value;
  return new Kafka({
    url: streamRoot(flags.url).href,
    ...(flags.token !== undefined && { token: flags.token }),
    timeoutMs: flags.timeout,
    retries: flags.retries,
    headers,
    ...(flags.verbose && { fetch: loggedFetch }),
  });
}

const loggedFetch: FetchLike = async (input, init) => {
  const started = performance.now();
  const elapsed = () => `${Math.round(performance.now() - started)} ms`;
  const method = init.method ?? "GET";
  try {
    const response = await fetch(input, init);
    process.stderr.write(`rivulet: ${method} ${input} -> ${response.status} (${elapsed()})\n`);
    return response;
  } catch (error) {
    process.stderr.write(`rivulet: ${method} ${input} failed after ${elapsed()}: ${String(error)}\n`);
    throw error;
  }
};
