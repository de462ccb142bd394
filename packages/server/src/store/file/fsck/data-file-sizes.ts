/** Sizes of the data files in `streams/`, by stream id (fsck runs offline, so plain fs calls). */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

export async function dataFileSizes(streamsDir: string): Promise<Map<number, number>> {
  const sizes = new Map<number, number>();
  let names: string[];
  try {
    names = await readdir(streamsDir);
  } catch {
    return sizes;
  }
  for (const name of names) {
    const id = /^(\d+)\.data$/.exec(name)?.[1];
    if (id !== undefined) sizes.set(Number(id), (await stat(join(streamsDir, name))).size);
  }
  return sizes;
}
