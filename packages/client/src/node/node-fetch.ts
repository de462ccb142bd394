/**
 * A fetch for Node with a connect timeout of its own. The client's `timeoutMs` bounds a
 * whole call; connecting is only its first step, and an address that drops packets would
 * otherwise use all of it before a retry can try again. undici (the library behind Node's
 * fetch) limits the TCP and TLS handshake when its agent is told to.
 */
import { Agent, fetch as undiciFetch } from "undici";
import { checkNumber, Rule } from "../check.js";
import type { FetchLike } from "../options.js";

export interface NodeFetchOptions {
  /** Longest time to establish a connection, TLS included (default 10 s). A miss is TIMEOUT, retried like one. */
  connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** `createClient({ fetch: nodeFetch({ connectTimeoutMs: 2_000 }) })`: requests over one agent with that limit. */
export function nodeFetch(options: NodeFetchOptions = {}): FetchLike {
  checkNumber("", "connectTimeoutMs", options.connectTimeoutMs, Rule.delayMs);
  const agent = new Agent({ connect: { timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS } });
  // undici's own fetch with its own agent: Node's built-in fetch may bundle another undici
  // version. The global and undici's types describe the same WHATWG objects twice.
  type UndiciInit = NonNullable<Parameters<typeof undiciFetch>[1]>;
  return (input, init) =>
    undiciFetch(input, { ...(init as unknown as UndiciInit), dispatcher: agent }) as unknown as Promise<Response>;
}
