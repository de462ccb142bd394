/**
 * What every dashboard browser test needs: the built dashboard, a real `rivulet serve` (file
 * store in a temp dir), one headless Chromium for the file, screenshots saved as artifacts in
 * test/screenshots/ (ignored by git; docs/images holds the ones the docs show).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { type HeadlessChromium, launchChromium } from "../../../client/test/support/chromium.js";
import { type ServerProcess, spawnServer } from "../../../server/test/support/spawn-server.js";
import { ensureDashboardBuilt } from "./build.js";

const SCREENSHOTS = fileURLToPath(new URL("../screenshots/", import.meta.url));

export interface Dashboard {
  readonly server: ServerProcess;
  readonly chromium: HeadlessChromium;
  /** The server's URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** A new tab of the one browser, at 1280×800. */
  page(path?: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startDashboard(args: string[] = []): Promise<Dashboard> {
  const dir = await mkdtemp(join(tmpdir(), "rivulet-dashboard-"));
  const [, server, chromium] = await Promise.all([
    ensureDashboardBuilt(),
    spawnServer(["--data-dir", dir, ...args]),
    launchChromium(),
  ]);
  return {
    server,
    chromium,
    url: server.url,
    async page(path = "/ui") {
      const page = await chromium.context.newPage();
      await page.setViewportSize({ width: 1280, height: 800 });
      // A step that fails should fail with what it waited for, well inside the test's own timeout.
      page.setDefaultTimeout(8_000);
      await page.goto(`${server.url}${path}`);
      return page;
    },
    async close() {
      await chromium.close();
      server.child.kill("SIGKILL");
      await server.exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Requests to the server's HTTP API from the test (not the browser). */
export function api(url: string, token?: string) {
  const headers = (extra: Record<string, string> = {}) => ({
    ...extra,
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  });
  return {
    create: (name: string, contentType = "application/json") =>
      fetch(`${url}/v1/stream/${name}`, { method: "PUT", headers: headers({ "content-type": contentType }) }),
    append: (name: string, body: string, contentType = "application/json") =>
      fetch(`${url}/v1/stream/${name}`, { method: "POST", headers: headers({ "content-type": contentType }), body }),
    head: (name: string) => fetch(`${url}/v1/stream/${name}`, { method: "HEAD", headers: headers() }),
    read: (name: string) => fetch(`${url}/v1/stream/${name}?offset=-1`, { headers: headers() }),
  };
}
