/**
 * The dashboard's build: Preact (JSX through Vite's own transformer, no plugin) and uPlot,
 * bundled into @rivulet/server's ui/ folder with content-hashed asset names, served at /ui.
 * The client and protocol packages are bundled from their sources, like the tests use them.
 * `npm run dev -w @rivulet/dashboard` serves it with hot reload against a server on
 * RIVULET_URL (default http://127.0.0.1:4437).
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const server = process.env.RIVULET_URL ?? "http://127.0.0.1:4437";

export default defineConfig({
  root: here("."),
  base: "/ui/",
  logLevel: "warn",
  resolve: {
    alias: {
      "@rivulet/client": here("../client/src/index.ts"),
      "@rivulet/protocol": here("../protocol/src/index.ts"),
    },
  },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: here("../server/ui"),
    emptyOutDir: true,
    target: "es2022",
    // Small enough to ship whole; one chunk per page would only add round trips.
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: Object.fromEntries(
      ["/v1", "/metrics", "/healthz", "/readyz", "/ui/config.json"].map((path) => [path, server]),
    ),
  },
});
