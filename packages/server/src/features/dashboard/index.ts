/**
 * The dashboard at `/ui` (packages/dashboard, built into this package's `ui/` folder): its
 * static files, and `/ui/config.json` telling the page the base path and whether it must ask
 * for a token. The files hold no secret, so they are open to anyone who can reach the server;
 * everything the page shows it fetches from the API with the token the user gives it (kept in
 * the tab's sessionStorage, sent as a bearer header, never in a URL). Paths under /ui that
 * are not files are the page's own routes (/ui/streams/…): they get index.html.
 */
import { fileURLToPath } from "node:url";
import { NO_STORE, ProtocolError } from "@rivulet/protocol";
import type { Feature, FeatureHost } from "../../feature.js";
import { type HttpReply, type HttpRequest, reply } from "../../http/exchange.js";
import type { RouteParams } from "../../http/routing/route.js";
import { loadFiles, type StaticFile } from "./files.js";

export interface DashboardOptions {
  /** The built dashboard (default: this package's `ui/` folder). */
  readonly directory?: string;
}

/** From src/features/dashboard/ and dist/features/dashboard/ alike: the package's ui/ folder. */
const BUILT = fileURLToPath(new URL("../../../ui/", import.meta.url));

/**
 * The page may load only its own scripts and styles and talk only to its own server, and may
 * not be framed by another site (an admin console must not be clickjacked).
 */
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

const encoder = new TextEncoder();

/**
 * The dashboard from `directory`, mounted whatever the `ui` option says (an embedder serving
 * its own build sets `ui: false` to drop the built-in one and mounts this).
 */
export function dashboardFeature({ directory = BUILT }: DashboardOptions = {}): Feature {
  return { name: "dashboard", setup: (host) => mount(host, directory) };
}

/** The built-in dashboard: this package's build, unless the server's `ui` option is false. */
export const dashboard: Feature = {
  name: "dashboard",
  setup(host) {
    if (host.options.ui) mount(host, BUILT);
  },
};

function mount(host: FeatureHost, directory: string): void {
  if (host.options.basePath === "" || `${host.options.basePath}/`.startsWith("/ui/")) {
    host.logger.warn({ basePath: host.options.basePath }, "dashboard off: the base path overlaps /ui");
    return;
  }
  let files = new Map<string, StaticFile>();
  host.onOpen(async () => {
    files = await loadFiles(directory);
    if (!files.has("index.html")) host.logger.warn({ directory }, "dashboard not built: /ui answers 503");
  });
  const config = encoder.encode(
    JSON.stringify({ basePath: host.options.basePath, auth: host.options.auth !== undefined }),
  );
  const handle = async (request: HttpRequest, _context: unknown, params: RouteParams): Promise<HttpReply> => {
    const path = params.file ?? "";
    if (path === "config.json") {
      return reply(200, { "content-type": "application/json", "cache-control": NO_STORE }, [config]);
    }
    const index = files.get("index.html");
    if (!index) throw new ProtocolError("UNAVAILABLE", "The dashboard is not built: run `npm run build`");
    const file = files.get(path) ?? (isPageRoute(path) ? index : undefined);
    if (!file) throw new ProtocolError("STREAM_NOT_FOUND", `No dashboard file at /ui/${path}`);
    return serve(request, file);
  };
  for (const path of ["/ui", "/ui/", "/ui/*file"]) {
    host.route({ method: "GET", path, operation: "ui", access: "open", handle });
  }
}

/** A page route (`streams/a/b.json` is a stream named so); assets and files at the root are not. */
function isPageRoute(path: string): boolean {
  return !path.startsWith("assets/") && (path.includes("/") || !path.includes("."));
}

function serve(request: HttpRequest, file: StaticFile): HttpReply {
  const headers = {
    "content-type": file.contentType,
    "cache-control": file.cacheControl,
    etag: file.etag,
    ...(file.contentType.startsWith("text/html") ? PAGE_HEADERS : {}),
  };
  if (matches(request.header("if-none-match"), file.etag)) return reply(304, headers);
  return reply(200, headers, request.method === "HEAD" ? undefined : [file.body]);
}

/** RFC 9110 §13.1.2: If-None-Match compares weakly (a compressed reply's ETag is weak), and may list several. */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || (trimmed.startsWith("W/") ? trimmed.slice(2) : trimmed) === etag;
  });
}
