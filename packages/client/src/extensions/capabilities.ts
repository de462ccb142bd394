/**
 * Which protocol extensions a server has (docs/extensions.md, "Capabilities"): `GET
 * {base}/__ds/capabilities` answers `{"extensions": {"records": 1, …}}`. Asked once per client
 * and base, then kept, so a call that needs an extension the server might silently ignore (a
 * conditional append would then be written unconditionally) learns first, and fails with
 * UNSUPPORTED having sent nothing.
 *
 * The base is the client's `baseUrl`; a handle made without one tries the folders above its
 * stream, nearest first, since a server mounts its streams and `__ds` under one root.
 */
import type { Endpoint } from "../endpoint.js";
import { StreamError, unsupported } from "../errors.js";
import { runOperation } from "../handle/operation.js";
import type { OperationOptions } from "../handle/results.js";

export interface ServerCapabilities {
  /** The stream root that answered, e.g. `https://host/v1/stream` (admin routes live under it). */
  readonly base: string;
  /** Extension name → version. */
  readonly extensions: Readonly<Record<string, number>>;
}

/** The server's capabilities, or undefined when no root above the stream answers for them. */
export async function capabilitiesOf(
  endpoint: Endpoint,
  options: OperationOptions = {},
): Promise<ServerCapabilities | undefined> {
  for (const base of candidateBases(endpoint)) {
    const cache = endpoint.transport.capabilities;
    let known = cache.get(base);
    if (!known) {
      known = fetchExtensions(endpoint, base, options);
      cache.set(base, known);
      // A failed request says nothing about the server: ask again next time.
      known.catch(() => cache.delete(base));
    }
    const extensions = await known;
    if (extensions) return { base, extensions };
  }
  return undefined;
}

/** The capabilities, if the server has `extension`; otherwise UNSUPPORTED naming `what` needed it. */
export async function requireExtension(
  endpoint: Endpoint,
  extension: string,
  what: string,
  options?: OperationOptions,
): Promise<ServerCapabilities> {
  const capabilities = await capabilitiesOf(endpoint, options);
  if (capabilities?.extensions[extension] === undefined) throw unsupported(endpoint.url, extension, what);
  return capabilities;
}

/** The client's base when the stream is under it, else every folder above the stream, nearest first. */
export function candidateBases(endpoint: Pick<Endpoint, "url" | "baseUrl">): string[] {
  const { baseUrl, url } = endpoint;
  if (baseUrl !== undefined && url.startsWith(`${baseUrl}/`)) return [baseUrl];
  const { origin, pathname } = new URL(url);
  const segments = pathname.split("/").slice(1, -1);
  return segments.map((_, i) => `${origin}/${segments.slice(0, segments.length - i).join("/")}`).concat(origin);
}

async function fetchExtensions(
  endpoint: Endpoint,
  base: string,
  options: OperationOptions,
): Promise<Record<string, number> | undefined> {
  const url = `${base}/__ds/capabilities`;
  try {
    const response = await runOperation(
      { ...endpoint, url },
      { operation: "admin", method: "GET", retry: "always" },
      options,
    );
    const body = JSON.parse(new TextDecoder().decode(response.body)) as { extensions?: unknown };
    const extensions = body?.extensions;
    return typeof extensions === "object" && extensions !== null ? (extensions as Record<string, number>) : undefined;
  } catch (error) {
    // Not a capabilities route here (a stream path, another server): look further up.
    if (error instanceof SyntaxError) return undefined;
    if (error instanceof StreamError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) return undefined;
    throw error;
  }
}
