/**
 * Real components from Debian for tests (nginx, Chromium): on a fresh machine the package is
 * installed once, when a test first needs it. Several test files may ask at once, in parallel
 * workers, so apt waits for dpkg's lock instead of failing; a machine without package lists
 * gets them first. Without root, the failure says what to install.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);
const APT_ENV = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
/** Waits up to this long for another apt run (another test file installing) to finish. */
const LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=600"];

/** Installs Debian package `name` unless `installed()` already holds; resolves once it does. */
export async function ensureDebianPackage(name: string, installed: () => boolean): Promise<void> {
  if (installed()) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${name} is not installed and installing it needs root: run \`sudo apt-get install -y ${name}\``);
  }
  const install = () =>
    run("apt-get", [...LOCK_WAIT, "install", "-y", "--no-install-recommends", name], {
      env: APT_ENV,
      maxBuffer: 64 << 20,
    });
  try {
    await install();
  } catch {
    // A fresh machine may have no package lists yet.
    await run("apt-get", [...LOCK_WAIT, "update"], { env: APT_ENV, maxBuffer: 64 << 20 });
    await install();
  }
  if (!installed()) throw new Error(`apt-get installed ${name}, but it is still missing`);
}

/** nginx for cluster tests (the CLI's `cluster up` and the benchmark find it the same way). */
export async function ensureNginx(find: () => string | undefined): Promise<void> {
  await ensureDebianPackage("nginx", () => find() !== undefined);
}

export const pathExists = (path: string) => () => existsSync(path);
