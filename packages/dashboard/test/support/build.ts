/**
 * The browser tests drive the built dashboard, as `rivulet serve` serves it. `npm test` builds
 * it first; run alone, a test file builds it when its sources are newer than the build. Test
 * files running at once build it once: the first takes a lock (a directory, created
 * atomically), the others wait for the lock to go.
 */
import { execFile } from "node:child_process";
import { mkdir, readdir, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const BUILT = join(ROOT, "packages/server/ui/index.html");
const LOCK = join(ROOT, "packages/server/.ui-build-lock");
const SOURCES = [
  "packages/dashboard/src",
  "packages/dashboard/public",
  "packages/dashboard/index.html",
  "packages/dashboard/vite.config.ts",
  "packages/client/src",
  "packages/protocol/src",
];

export async function ensureDashboardBuilt(): Promise<void> {
  while (await stale()) {
    try {
      await mkdir(LOCK);
    } catch {
      await waitForLock();
      continue;
    }
    try {
      if (await stale()) await run("npm", ["run", "build", "--workspace", "@rivulet/dashboard"], { cwd: ROOT });
    } finally {
      await rmdir(LOCK);
    }
  }
}

async function stale(): Promise<boolean> {
  const built = await mtime(BUILT);
  if (built === undefined) return true;
  for (const source of SOURCES) {
    if ((await newest(join(ROOT, source))) > built) return true;
  }
  return false;
}

async function newest(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const entry of await readdir(path, { recursive: true })) {
    latest = Math.max(latest, (await mtime(join(path, entry))) ?? 0);
  }
  return latest;
}

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Another file is building: its build takes seconds, so look again every 100 ms. */
async function waitForLock(): Promise<void> {
  while ((await mtime(LOCK)) !== undefined) await new Promise((resolve) => setTimeout(resolve, 100));
}
