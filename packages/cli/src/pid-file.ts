/**
 * `rivulet serve --pid-file`: the server's own process id in a file, for tools that watch it
 * (`rivulet bench --pid`). Written by the server process itself, so wrappers in between
 * (`npm start` runs a shell that runs node) cannot be mistaken for it. Written once listening,
 * removed on a clean stop; a stale file left by a crash is simply overwritten.
 */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { usage } from "./failure.js";

export async function writePidFile(path: string): Promise<void> {
  // Whole or not at all: a reader never sees half a number.
  const staging = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(staging, `${process.pid}\n`);
    await rename(staging, path);
  } catch (error) {
    await rm(staging, { force: true }).catch(() => {});
    throw usage(`cannot write --pid-file ${path}: ${(error as Error).message}`);
  }
}

/** Removes the file if it still names this process (a newer server may have taken it over). */
export async function removePidFile(path: string): Promise<void> {
  try {
    if ((await readFile(path, "utf8")).trim() === String(process.pid)) await rm(path);
  } catch {
    // Already gone, or unreadable: nothing of ours to remove.
  }
}
