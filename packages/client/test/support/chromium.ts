/**
 * Headless Chromium for browser tests: Debian's `chromium` package, driven by playwright-core
 * (which never downloads a browser of its own). A fresh machine has no Chromium, so when it
 * is missing and we run as root it is installed with apt-get; otherwise the failure says
 * what to install. One launch per test file keeps the suite lean.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { ensureDebianPackage, pathExists } from "../../../server/test/support/debian-package.js";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Without the background-networking flags Chromium reaches for update and component servers,
 * and a closed network refuses those connections; QUIC and GPU are of no use here.
 */
const LAUNCH_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The Chromium executable (Debian's, at `path`), installed first if need be. */
export async function ensureChromium(path = CHROMIUM_PATH): Promise<string> {
  await ensureDebianPackage("chromium", pathExists(path));
  return path;
}

export interface HeadlessChromium {
  /** The browser's one context: its pages share one HTTP cache, as a user's tabs do. */
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Debian's Chromium headless with a fresh profile (--user-data-dir), removed again on close. */
export async function launchChromium(): Promise<HeadlessChromium> {
  const executablePath = await ensureChromium();
  const profile = await mkdtemp(join(tmpdir(), "rivulet-chromium-"));
  // playwright-core passes the profile as --user-data-dir and adds flags of its own.
  const context = await chromium.launchPersistentContext(profile, { executablePath, args: LAUNCH_FLAGS });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
