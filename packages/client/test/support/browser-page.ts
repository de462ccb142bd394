/**
 * A page for browser tests: the client bundled from its TypeScript sources with esbuild
 * (exposed as `window.Rivulet`), served by a tiny static server on its own origin, so the
 * Rivulet server the page talks to is cross-origin as it is for a real web app.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const source = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/** The client as one script for a page: an IIFE assigning the exports of its entry points (but Node's) to `Rivulet`. */
export async function bundleClient(): Promise<string> {
  const result = await build({
    stdin: {
      contents: ["index", "consumer"]
        .map((entry) => `export * from ${JSON.stringify(source(`client/src/${entry}.ts`))};`)
        .join("\n"),
      resolveDir: source("client"),
      loader: "ts",
    },
    // Like the tests, against the sources of the workspace packages, not their builds.
    alias: { "@rivulet/protocol": source("protocol/src/index.ts") },
    bundle: true,
    format: "iife",
    globalName: "Rivulet",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

export interface PageServer {
  /** The page's origin, e.g. http://127.0.0.1:41234; the page itself is at `${url}/`. */
  readonly url: string;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>rivulet browser test</title>
<script src="/rivulet-client.js"></script></head><body></body></html>`;

export async function startPageServer(): Promise<PageServer> {
  const client = await bundleClient();
  const files: Record<string, [string, string]> = {
    "/": ["text/html; charset=utf-8", PAGE],
    "/rivulet-client.js": ["text/javascript; charset=utf-8", client],
    // Chromium asks for one; answering it keeps the console free of 404 noise.
    "/favicon.ico": ["image/x-icon", ""],
  };
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? "/", "http://page").pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": file[0], "cache-control": "no-store" }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
