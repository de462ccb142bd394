/**
 * Where a `<stream>` argument points. The rule, also shown in `rivulet --help`:
 *
 * - a full URL (`http://…` or `https://…`) is the stream's URL, used as is;
 * - anything else is a stream name under the stream root taken from --url / RIVULET_URL.
 *   A --url without a path (`http://127.0.0.1:4437`) means the server's default root
 *   `/v1/stream`; a --url with a path (`https://host/api/streams`) is the root itself, for
 *   servers run with another --base-path.
 */
import { usage } from "./failure.js";

export const DEFAULT_SERVER_URL = "http://127.0.0.1:4437";
export const DEFAULT_STREAM_ROOT = "/v1/stream";

const FULL_URL = /^https?:\/\//i;

export const URL_RULE_HELP = `Streams and --url:
  A <stream> is a name under the stream root, or a full stream URL used as is.
  --url (or RIVULET_URL, default ${DEFAULT_SERVER_URL}) gives the root: a URL
  without a path means ${DEFAULT_STREAM_ROOT}; a URL with a path is the root itself.
    --url http://127.0.0.1:4437         chat -> http://127.0.0.1:4437${DEFAULT_STREAM_ROOT}/chat
    --url https://host/api/streams      chat -> https://host/api/streams/chat
    http://other:4437/v1/stream/chat    (a full URL: --url is not used)`;

/** The stream root: origin plus base path, without a trailing slash. */
export function streamRoot(serverUrl: string): URL {
  const url = parseHttpUrl(serverUrl, "--url");
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path === "" ? DEFAULT_STREAM_ROOT : path;
  url.search = "";
  url.hash = "";
  return url;
}

/** The URL of a stream given by name or by full URL. */
export function streamUrl(stream: string, serverUrl: string): string {
  if (FULL_URL.test(stream)) return parseHttpUrl(stream, "stream URL").toString();
  if (stream === "" || stream.startsWith("/")) {
    throw usage(
      `stream names are relative to the stream root (like "chat" or "rooms/42"), not ${JSON.stringify(stream)}`,
    );
  }
  const root = streamRoot(serverUrl);
  // Each segment is encoded on its own so names may hold ?, # or % but keep their slashes.
  const encoded = stream.split("/").map(encodeURIComponent).join("/");
  return `${root.origin}${root.pathname}/${encoded}`;
}

/** A stream path from the server (decoded) as the name it has under `root`, else the path. */
export function nameUnderRoot(path: string, root: URL): string {
  const base = `${rootPath(root)}/`;
  return path.startsWith(base) ? path.slice(base.length) : path;
}

/** The root's path as the server sees it (decoded). */
export function rootPath(root: URL): string {
  return decodeURIComponent(root.pathname);
}

function parseHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`${what} is not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usage(`${what} must be an http:// or https:// URL: ${JSON.stringify(text)}`);
  }
  return url;
}
