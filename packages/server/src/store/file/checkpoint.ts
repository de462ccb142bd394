/**
 * Checkpoints: the catalog as of a log segment boundary, written atomically (temp file,
 * fsync, rename, directory fsync). Recovery loads the newest checkpoint and replays only the
 * segments from its boundary on, so restart time does not grow with the data.
 *
 * Format: JSON lines. First a header, then one line per stream.
 */
import { join } from "node:path";
import { Entry } from "./catalog.js";
import { type FileIo, READ_WRITE_CREATE } from "./io.js";

const FILE = "checkpoint.jsonl";
const TEMP = "checkpoint.jsonl.tmp";
const FORMAT = "rivulet-checkpoint";

export interface Checkpoint {
  /** First log segment not covered by this checkpoint. */
  readonly segment: number;
  readonly nextId: number;
  readonly entries: Entry[];
}

/** Serialises the catalog now; call only at a segment boundary, before anything else commits. */
export function snapshotLines(segment: number, nextId: number, entries: Iterable<Entry>): string {
  const lines: string[] = [];
  for (const entry of entries) lines.push(JSON.stringify(entry.toJson()));
  const header = JSON.stringify({ format: FORMAT, version: 1, segment, nextId, count: lines.length });
  return `${header}\n${lines.join("\n")}\n`;
}

export async function writeCheckpoint(io: FileIo, dir: string, text: string): Promise<void> {
  const temp = join(dir, TEMP);
  const handle = await io.open(temp, READ_WRITE_CREATE);
  try {
    await io.truncate(handle, 0);
    await handle.writeFile(text);
    await io.datasync(handle);
  } finally {
    await handle.close();
  }
  await io.rename(temp, join(dir, FILE));
  await io.syncDir(dir);
}

export async function readCheckpoint(io: FileIo, dir: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = (await io.readFile(join(dir, FILE))).toString("utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const lines = text.split("\n").filter((line) => line.length > 0);
  const header = JSON.parse(lines[0] ?? "{}") as { format?: string; segment?: number; nextId?: number; count?: number };
  if (header.format !== FORMAT || lines.length - 1 !== header.count) {
    // Written by rename, so this is damage, not a crash: refuse rather than lose streams.
    throw new Error(`Checkpoint ${join(dir, FILE)} is damaged; refusing to start`);
  }
  return {
    segment: Number(header.segment),
    nextId: Number(header.nextId),
    entries: lines.slice(1).map((line) => Entry.fromJson(JSON.parse(line) as Record<string, unknown>)),
  };
}
