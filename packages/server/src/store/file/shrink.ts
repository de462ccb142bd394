/**
 * Frees a large file's blocks a piece at a time, before it is deleted. Deleting a 64 MiB
 * segment at once frees all its blocks in one filesystem journal transaction, and every write
 * that needs the journal then waits for it, each append that extends a file among them. On the
 * development VM (ext4 with online discard), appends to other streams in the same process took
 * 31 ms (median) while 1 GB was deleted at once; shrunk 8 MiB at a time with 5 ms pauses, their
 * p99 still rose by a third; 4 MiB at a time, it stayed what it was in the store alone, yet
 * rose by about a third in the full benchmark (scenario 11, HTTP appends at 1,000/s, on a
 * machine other work shared). So the blocks go 2 MiB at a time, and freeing takes at most a
 * tenth of the time: after each step it waits nine times as long as the step took (at least
 * 10 ms). A step that finds the disk busy (the kernel's block freeing and discards queue behind
 * the appends' writes) takes longer, so freeing backs off exactly when appends need the disk;
 * on an idle disk 1 GB goes in about 10 s.
 * Best effort: the caller deletes the file afterwards whatever happened here.
 */
import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import type { FileIo } from "./io.js";

/** Bytes freed at a time. */
const STEP = 2 << 20;
/** The shortest pause between steps. */
const MIN_PAUSE_MS = 10;
/** The most of the time that freeing spends in its own calls. */
const BUSY_SHARE = 0.1;

/** How long to wait after a step that took `tookMs`, so that steps take at most BUSY_SHARE of the time. */
export function pauseAfterStep(tookMs: number): number {
  return Math.max(MIN_PAUSE_MS, (tookMs * (1 - BUSY_SHARE)) / BUSY_SHARE);
}

export interface ShrinkClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: ShrinkClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function shrinkFile(io: FileIo, path: string, clock: ShrinkClock = realClock): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await io.open(path, constants.O_WRONLY);
  } catch {
    return;
  }
  try {
    let size = (await handle.stat()).size;
    while (size > STEP) {
      size -= STEP;
      const started = clock.now();
      await io.truncate(handle, size);
      await clock.sleep(pauseAfterStep(clock.now() - started));
    }
  } catch {
    // The deletion that follows frees the rest.
  } finally {
    await handle.close().catch(() => {});
  }
}
