/** Bytes of data files in `streams/`, by stream id, all segments together (fsck runs offline, so plain fs calls). */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseSegmentFileName } from "../segments.js";

export async function dataFileSizes(streamsDir: string): Promise<Map<number, number>> {
  const sizes = new Map<number, number>();
  let names: string[];
  try {
    names = await readdir(streamsDir);
  } catch {
    return sizes;
  }
  for (const name of names) {
    const file = parseSegmentFileName(name);
    if (file?.kind !== "data") continue;
    const size = (await stat(join(streamsDir, name))).size;
    sizes.set(file.id, (sizes.get(file.id) ?? 0) + size);
  }
  return sizes;
}
