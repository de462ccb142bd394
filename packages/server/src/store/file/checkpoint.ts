/**
 * Checkpoints: the catalog as of a log segment boundary, written atomically (temp file, fsync,
 * rename, directory fsync) and named by that boundary, `checkpoint-<segment>.jsonl`. The two
 * newest are kept, and the log from the older one's boundary on, so a damaged checkpoint falls
 * back to the one before it (or to the whole log) and never to a guessed catalog.
 *
 * Format 2: JSON lines, each prefixed with the CRC-32 of its JSON text in 8 hex digits and a
 * space. First a header line, then one line per stream. Per-line checksums let fsck salvage
 * the intact lines of a damaged checkpoint.
 *
 * Format 1 (`checkpoint.jsonl`, no checksums) is still read. At the first open it is converted,
 * and `checkpoint.jsonl` becomes a marker that the first release refuses to start on: its
 * recovery would misread later log segments as torn and cut them.
 *
 * Format 3 adds to each stream line its earliest position, next seq, last append time, segment
 * layout and index counts; a line without them is a stream of an earlier format, whose index
 * recovery builds. Releases of format 2 would misread format-3 log records, so a format-3
 * directory holds a tripwire they stop at, changing nothing: a directory named like a newer
 * checkpoint than any (TRIPWIRE), which they try first and cannot read.
 */
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { Entry } from "./catalog.js";
import { type FileIo, READ_WRITE_CREATE } from "./io.js";

export const LEGACY_CHECKPOINT = "checkpoint.jsonl";
const TEMP = "checkpoint.tmp";
const FORMAT = "rivulet-checkpoint";
const VERSION = 3;
const NAME = /^checkpoint-(\d{16})\.jsonl$/;
export const TRIPWIRE = "checkpoint-9999999999999999.jsonl";

export interface Checkpoint {
  /** File name in the data directory. */
  readonly file: string;
  /** First log segment not covered by this checkpoint. */
  readonly segment: number;
  readonly nextId: number;
  readonly entries: Entry[];
}

/** Why a checkpoint cannot be used, and the stream entries of its intact lines (for fsck). */
export interface CheckpointDamage {
  readonly file: string;
  readonly reason: string;
  readonly salvaged: Entry[];
  /** Line numbers (1-based) of stream lines that fail their checksum. */
  readonly badLines: number[];
  /** The boundary from the header, when the header itself is intact. */
  readonly segment: number | undefined;
}

export function checkpointName(segment: number): string {
  return `checkpoint-${segment.toString().padStart(16, "0")}.jsonl`;
}

/** Checkpoint files, newest first (the previous format's single file last: it is older than any other). */
export async function listCheckpoints(io: FileIo, dir: string): Promise<string[]> {
  const names = await io.readdir(dir);
  const current = names.filter((name) => NAME.test(name) && name !== TRIPWIRE).sort((a, b) => (a < b ? 1 : -1));
  const legacy = names.includes(LEGACY_CHECKPOINT) && !(await hasMarker(io, dir));
  return legacy ? [...current, LEGACY_CHECKPOINT] : current;
}

const MARKER_FORMAT = "rivulet-data-directory";
const MARKER = `${JSON.stringify({
  format: MARKER_FORMAT,
  version: VERSION,
  note: `This data directory is in on-disk format ${VERSION} (checkpoints are checkpoint-<segment>.jsonl). Releases before that format cannot read it and must not open it.`,
})}\n`;
const TRIPWIRE_NOTE =
  "This directory stops releases of on-disk format 2 from opening a data directory of a later format, which they would misread. Do not remove it.\n";

/** The format the directory's marker names: 1 when there is none (the first release's checkpoint, or nothing yet). */
async function markedVersion(io: FileIo, dir: string): Promise<number> {
  try {
    const line = (await io.readFile(join(dir, LEGACY_CHECKPOINT))).toString("utf8").split("\n")[0]!;
    const marker = JSON.parse(line) as { format?: string; version?: number };
    return marker.format === MARKER_FORMAT && typeof marker.version === "number" ? marker.version : 1;
  } catch {
    return 1;
  }
}

async function hasMarker(io: FileIo, dir: string): Promise<boolean> {
  return (await markedVersion(io, dir)) > 1;
}

/**
 * Marks the directory as this format (see above): the tripwire first, so that from then on a
 * format-2 release refuses it, then the marker. A first-format checkpoint is first rewritten
 * in this format, so it stays a checkpoint to fall back to.
 */
export async function markFormat(io: FileIo, dir: string): Promise<void> {
  if ((await markedVersion(io, dir)) >= VERSION) return;
  const names = await io.readdir(dir);
  if (!names.includes(TRIPWIRE)) {
    await io.mkdir(join(dir, TRIPWIRE));
    await io.writeFile(join(dir, TRIPWIRE, "README"), TRIPWIRE_NOTE);
    await io.syncDir(join(dir, TRIPWIRE));
    await io.syncDir(dir);
  }
  if (names.includes(LEGACY_CHECKPOINT) && !(await hasMarker(io, dir))) {
    const legacy = await readCheckpoint(io, dir, LEGACY_CHECKPOINT);
    if (!isDamaged(legacy)) {
      await writeCheckpoint(io, dir, legacy.segment, snapshotText(legacy.segment, legacy.nextId, legacy.entries));
    }
  }
  await writeAtomically(io, dir, LEGACY_CHECKPOINT, MARKER);
}

/** Serialises the catalog now; call only at a segment boundary, before anything else commits. */
export function snapshotText(segment: number, nextId: number, entries: Iterable<Entry>): string {
  const lines: string[] = [];
  for (const entry of entries) lines.push(line(JSON.stringify(entry.toJson())));
  const header = JSON.stringify({ format: FORMAT, version: VERSION, segment, nextId, count: lines.length });
  return `${line(header)}\n${lines.join("\n")}${lines.length > 0 ? "\n" : ""}`;
}

function line(json: string): string {
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}`;
}

export function writeCheckpoint(io: FileIo, dir: string, segment: number, text: string): Promise<void> {
  return writeAtomically(io, dir, checkpointName(segment), text);
}

/** Temp file, fsync, rename, directory fsync: the file is either the old one or the whole new one. */
async function writeAtomically(io: FileIo, dir: string, name: string, text: string): Promise<void> {
  const temp = join(dir, TEMP);
  const handle = await io.open(temp, READ_WRITE_CREATE);
  try {
    await io.truncate(handle, 0);
    await handle.writeFile(text);
    await io.datasync(handle);
  } finally {
    await handle.close();
  }
  await io.rename(temp, join(dir, name));
  await io.syncDir(dir);
}

/**
 * Reads a checkpoint; a damaged or unreadable one is described, never half-used. `name` is
 * the name it was written under, when it has since been set aside under another.
 */
export async function readCheckpoint(
  io: FileIo,
  dir: string,
  file: string,
  name = file,
): Promise<Checkpoint | CheckpointDamage> {
  let text: string;
  try {
    text = (await io.readFile(join(dir, file))).toString("utf8");
  } catch (error) {
    return { file, reason: `unreadable (${(error as Error).message})`, salvaged: [], badLines: [], segment: undefined };
  }
  const result = name === LEGACY_CHECKPOINT ? parseLegacy(name, text) : parse(name, text);
  return { ...result, file };
}

/** The boundary a checkpoint's name gives (undefined for the previous format's single file). */
export function segmentOfName(name: string): number | undefined {
  const match = NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

export function isDamaged(result: Checkpoint | CheckpointDamage): result is CheckpointDamage {
  return "reason" in result;
}

function parse(file: string, text: string): Checkpoint | CheckpointDamage {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const header = checkedJson(lines[0] ?? "") as { format?: string; segment?: number; nextId?: number; count?: number };
  const expected = NAME.exec(file);
  const headerOk =
    header?.format === FORMAT &&
    typeof header.segment === "number" &&
    typeof header.nextId === "number" &&
    header.segment === Number(expected?.[1]);
  const salvaged: Entry[] = [];
  const bad: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const entry = entryOf(checkedJson(lines[i]!));
    if (entry) salvaged.push(entry);
    else bad.push(i + 1);
  }
  const segment = headerOk ? header.segment : undefined;
  const badLines = bad;
  if (!headerOk) return { file, reason: "its header line is damaged", salvaged, badLines, segment };
  if (bad.length > 0) {
    return {
      file,
      reason: `line ${bad.join(", ")} of ${lines.length} fails its checksum`,
      salvaged,
      badLines,
      segment,
    };
  }
  if (salvaged.length !== header.count) {
    const reason = `it holds ${salvaged.length} of ${header.count} streams (cut short)`;
    return { file, reason, salvaged, badLines, segment };
  }
  return { file, segment: header.segment!, nextId: header.nextId!, entries: salvaged };
}

/** A `crc json` line's JSON, or undefined when the checksum fails or the text does not parse. */
function checkedJson(text: string): unknown {
  const space = text.indexOf(" ");
  const json = text.slice(space + 1);
  if (space !== 8 || Number.parseInt(text.slice(0, 8), 16) !== crc32(json)) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

function entryOf(json: unknown): Entry | undefined {
  try {
    return json && typeof json === "object" ? Entry.fromJson(json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The previous format: no checksums, so only its shape can be checked. */
function parseLegacy(file: string, text: string): Checkpoint | CheckpointDamage {
  const lines = text.split("\n").filter((l) => l.length > 0);
  const parsed = lines.map((l) => {
    try {
      return JSON.parse(l) as unknown;
    } catch {
      return undefined;
    }
  });
  const header = parsed[0] as { format?: string; segment?: number; nextId?: number; count?: number } | undefined;
  const entries = parsed.slice(1).map(entryOf);
  const salvaged = entries.filter((e): e is Entry => e !== undefined);
  const badLines = entries.flatMap((e, i) => (e === undefined ? [i + 2] : []));
  const segment = typeof header?.segment === "number" ? header.segment : undefined;
  if (header?.format !== FORMAT || segment === undefined || typeof header.nextId !== "number") {
    return { file, reason: "its header line is damaged", salvaged, badLines, segment };
  }
  if (salvaged.length !== entries.length || entries.length !== header.count) {
    return { file, reason: "a stream line is damaged or missing", salvaged, badLines, segment };
  }
  return { file, segment, nextId: header.nextId, entries: salvaged };
}
