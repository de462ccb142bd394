/**
 * The dashboard's built files (HTML, scripts, styles), read into memory once when the server
 * opens: a few hundred KB, served without touching the disk on the request path. Each file
 * gets its content type, a strong ETag and its caching rule: Vite names every asset by its
 * content hash, so `assets/` is immutable; anything else (index.html) is revalidated each time.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";

export interface StaticFile {
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly etag: string;
  readonly cacheControl: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

export const IMMUTABLE = "public, max-age=31536000, immutable";
export const REVALIDATE = "no-cache";

export function contentTypeOf(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

/** Every file under `dir` by its path relative to it (with `/`); an absent directory is empty. */
export async function loadFiles(dir: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return files;
    throw error;
  }
  for (const entry of entries) {
    const full = join(dir, entry);
    let body: Buffer;
    try {
      body = await readFile(full);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EISDIR") continue;
      throw error;
    }
    const path = relative(dir, full).split(sep).join("/");
    files.set(path, {
      body,
      contentType: contentTypeOf(path),
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
      cacheControl: path.startsWith("assets/") ? IMMUTABLE : REVALIDATE,
    });
  }
  return files;
}
