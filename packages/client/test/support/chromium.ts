/**
 * Headless Chromium for browser tests: Debian's `chromium` package, driven by playwright-core
 * (which never downloads a browser of its own). A fresh machine has no Chromium, so when it
 * is missing and we run as root it is installed with apt-get; otherwise the failure says
 * what to install. One launch per test file keeps the suite lean.
 */
import { execFile } from "node:child_process";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type BrowserContext, chromium } from "playwright-core";

const run = promisify(execFile);

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
  if (await exists(path)) return path;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Chromium is not installed (${path}) and installing it needs root: run \`sudo apt-get install -y chromium\``,
    );
  }
  try {
    await aptInstall();
  } catch {
    // A fresh machine may have no package lists yet.
    await run("apt-get", ["update"], { maxBuffer: 64 << 20 });
    await aptInstall();
  }
  if (!(await exists(path))) throw new Error(`apt-get installed chromium, but ${path} is missing`);
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

async function aptInstall(): Promise<void> {
  await run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    maxBuffer: 64 << 20,
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
