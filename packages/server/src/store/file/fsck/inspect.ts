/**
 * Offline inspection of a data directory for `rivulet fsck` (docs/storage.md, "Checking and
 * repairing"). Reads every checkpoint, log segment and data file and changes nothing. It also
 * works out what a repair would start from and what it would drop, so the report can say
 * which streams and offset ranges are affected before anything is touched.
 */
import { join } from "node:path";
import { Catalog, type Entry } from "../catalog.js";
import {
  type Checkpoint,
  type CheckpointDamage,
  isDamaged,
  listCheckpoints,
  readCheckpoint,
  segmentOfName,
} from "../checkpoint.js";
import type { FileIo } from "../io.js";
import { logFollows } from "../recovery.js";
import { readSegment } from "../segment-reader.js";
import { parseSegmentFileName, segmentFileName, segmentStart } from "../segments.js";
import { listSegments, segmentName } from "../wal.js";
import { type BlockDamage, checkDataFile } from "./data-check.js";
import { dataFileSizes } from "./data-file-sizes.js";
import { Salvage, salvageRecords } from "./salvage.js";
import type { CheckpointCheck, DataFileCheck, FsckReport, Loss, SegmentCheck } from "./types.js";

const SET_ASIDE = ".damaged";

export interface Inspection {
  readonly report: FsckReport;
  readonly walDir: string;
  readonly streamsDir: string;
  /** Where a repair starts: the checkpoint (or none: the whole log) and the first segment to replay. */
  readonly base: RepairBase;
  /** Damaged blocks per stream id, data-file positions (relative to the checkpoint recovery trusts). */
  readonly damagedBlocks: Map<number, BlockDamage[]>;
  /** Offsets at which the newest segment's torn tail begins, if it has one. */
  readonly tornTail: { readonly segment: number; readonly offset: number } | undefined;
  /** Files found damaged (relative to the data directory). */
  readonly damagedFiles: string[];
  readonly segmentNumbers: number[];
}

export interface RepairBase {
  /** A fresh read of the base checkpoint's streams (a repair changes them). */
  entries(): Promise<Entry[]>;
  readonly nextId: number;
  readonly segment: number;
  readonly description: string;
  /** Streams the base cannot name: lines of a damaged checkpoint. */
  readonly lost: Loss[];
}

export async function inspect(io: FileIo, dir: string): Promise<Inspection> {
  const walDir = join(dir, "wal");
  const streamsDir = join(dir, "streams");
  const checkpoints = await readCheckpoints(io, dir);
  const segmentNumbers = await listSegments(io, walDir).catch(() => []);
  const { segments, tornTail } = await checkSegments(io, walDir, segmentNumbers);
  const usable = checkpoints.filter(
    (c) => !c.setAside && !isDamaged(c.result) && logFollows(segmentNumbers, segmentOf(c)),
  );
  const trusted = usable[0]?.result as Checkpoint | undefined;
  const base = repairBase(io, dir, checkpoints, usable, segmentNumbers);

  // Data files are checked over what recovery would take from them: up to the trusted
  // checkpoint's tails (without one, the salvage base's).
  const checkedEntries = trusted?.entries ?? (await base.entries());
  const baseTails = new Map((await base.entries()).map((e) => [e.id, e.tail - e.base]));
  const damagedBlocks = new Map<number, BlockDamage[]>();
  const dataFiles: DataFileCheck[] = [];
  for (const entry of checkedEntries) {
    const damage = await checkDataFile(io, streamsDir, entry);
    if (damage.length > 0) damagedBlocks.set(entry.id, damage);
    const status = !entry.checksummed ? "unverified" : damage.length > 0 ? "damaged" : "intact";
    if (entry.tail === entry.base && status === "intact") continue;
    dataFiles.push({
      stream: entry.meta.path,
      file: `streams/${segmentFileName(entry.id, segmentStart(entry.layout, entry.segments().first), "data")}`,
      files: streamFiles(entry),
      status,
      damage: damage.map((d) => ({
        from: entry.base + d.from,
        to: entry.base + d.to,
        kind: d.kind === "checksum" ? "checksum" : d.kind,
        inLog: (baseTails.get(entry.id) ?? 0) <= d.from,
      })),
    });
  }

  const salvage = await dryRun(io, walDir, streamsDir, base, segmentNumbers, tornTail, damagedBlocks);
  const checkpointChecks = checkpoints.map(toCheck);
  const damagedFiles = [
    ...checkpointChecks.filter((c) => c.status === "damaged").map((c) => c.file),
    ...segments.filter((s) => s.status === "damaged").map((s) => s.file),
    ...dataFiles.filter((d) => d.status === "damaged").flatMap((d) => d.files),
  ];
  const report: FsckReport = {
    dir,
    clean: damagedFiles.length === 0,
    checkpoints: checkpointChecks,
    segments,
    dataFiles,
    streams: salvage.streams,
    losses: damagedFiles.length === 0 ? [] : [...base.lost, ...salvage.losses],
    notes: await notes(io, streamsDir, checkpoints, segments, tornTail, claimedIds(salvage), checkedEntries),
  };
  return { report, walDir, streamsDir, base, damagedBlocks, tornTail, damagedFiles, segmentNumbers };
}

/** Every file of a stream's kept segments, relative to the data directory. */
function streamFiles(entry: Entry): string[] {
  const { first, last } = entry.segments();
  const files: string[] = [];
  for (let segment = first; segment <= last; segment++) {
    const start = segmentStart(entry.layout, segment);
    for (const kind of ["data", "crc", "idx", "cpt"] as const)
      files.push(`streams/${segmentFileName(entry.id, start, kind)}`);
  }
  return files;
}

interface ReadCheckpoint {
  readonly file: string;
  readonly result: Checkpoint | CheckpointDamage;
  /** Set aside by a start that found it damaged (`.damaged`). */
  readonly setAside: boolean;
}

/** Every checkpoint, newest first, those set aside as damaged included. */
async function readCheckpoints(io: FileIo, dir: string): Promise<ReadCheckpoint[]> {
  const out: ReadCheckpoint[] = [];
  for (const file of await listCheckpoints(io, dir)) {
    out.push({ file, result: await readCheckpoint(io, dir, file), setAside: false });
  }
  for (const file of (await io.readdir(dir)).filter((name) => name.endsWith(SET_ASIDE)).sort()) {
    const result = await readCheckpoint(io, dir, file, file.slice(0, -SET_ASIDE.length));
    out.push({ file, result, setAside: true });
  }
  return out;
}

/** The boundary a checkpoint covers up to, from its header or else its name. */
function boundaryOf(checkpoint: ReadCheckpoint): number | undefined {
  return checkpoint.result.segment ?? segmentOfName(checkpoint.file.replace(SET_ASIDE, ""));
}

function segmentOf(checkpoint: ReadCheckpoint): number {
  return boundaryOf(checkpoint) ?? 0;
}

function toCheck(checkpoint: ReadCheckpoint): CheckpointCheck {
  const result = checkpoint.result;
  if (checkpoint.setAside || isDamaged(result)) {
    const reason = isDamaged(result) ? result.reason : "intact, but was set aside";
    return {
      file: checkpoint.file,
      status: "damaged",
      reason: checkpoint.setAside ? `set aside at a start: ${reason}` : reason,
      segment: segmentOf(checkpoint),
      streams: isDamaged(result) ? result.salvaged.length : result.entries.length,
    };
  }
  return { file: checkpoint.file, status: "intact", segment: result.segment, streams: result.entries.length };
}

async function checkSegments(
  io: FileIo,
  walDir: string,
  numbers: number[],
): Promise<{ segments: SegmentCheck[]; tornTail: Inspection["tornTail"] }> {
  const segments: SegmentCheck[] = [];
  let tornTail: Inspection["tornTail"];
  for (const [i, segment] of numbers.entries()) {
    const file = `wal/${segmentName(segment)}`;
    const reader = readSegment(await io.readFile(join(walDir, segmentName(segment))));
    let records = 0;
    let step = reader.next();
    for (; !step.done; step = reader.next()) records += step.value.records.length;
    const { header, damage, end } = step.value;
    const format = header.version === "bad" ? "damaged header" : header.version;
    if (!damage) {
      segments.push({ file, segment, format, status: "intact", records });
      continue;
    }
    const torn = i === numbers.length - 1 && damage.batchesAfter === 0;
    if (torn) tornTail = { segment, offset: end };
    const { offset, recordsAfter, batchesAfter } = damage;
    segments.push({
      file,
      segment,
      format,
      status: torn ? "torn tail" : "damaged",
      records,
      damage: { offset, recordsAfter, batchesAfter },
    });
  }
  return { segments, tornTail };
}

/**
 * Where a repair starts. The whole log when it is complete, else the oldest intact checkpoint
 * the log follows: the more of the log is replayed, the more damaged data-file bytes it can
 * rewrite. Without either, the intact lines of the newest checkpoint that names its boundary.
 */
function repairBase(
  io: FileIo,
  dir: string,
  checkpoints: ReadCheckpoint[],
  usable: ReadCheckpoint[],
  segments: number[],
): RepairBase {
  const reread = (file: string, name: string) => async () => {
    const result = await readCheckpoint(io, dir, file, name);
    return isDamaged(result) ? result.salvaged : result.entries;
  };
  if (segments[0] === 0 && logFollows(segments, 0)) {
    return { entries: async () => [], nextId: 1, segment: 0, description: "the whole log", lost: [] };
  }
  const oldest = usable.at(-1);
  if (oldest) {
    const result = oldest.result as Checkpoint;
    return {
      entries: reread(oldest.file, oldest.file),
      nextId: result.nextId,
      segment: result.segment,
      description: `${oldest.file} and the log after it`,
      lost: [],
    };
  }
  const named = checkpoints.find((c) => boundaryOf(c) !== undefined);
  if (!named) {
    return {
      entries: async () => [],
      nextId: 1,
      segment: segments[0] ?? 0,
      description: "what is left of the log",
      lost: [],
    };
  }
  const result = named.result;
  const damaged = isDamaged(result) ? result : undefined;
  const lost: Loss[] = (damaged?.badLines ?? []).map((line) => ({
    stream: `(line ${line} of ${named.file})`,
    from: 0,
    to: 0,
    records: undefined,
    wholeStream: true,
    reason: "its checkpoint line is damaged, and no intact copy of it is left",
  }));
  return {
    entries: reread(named.file, named.file.replace(SET_ASIDE, "")),
    nextId: damaged ? Math.max(1, ...damaged.salvaged.map((e) => e.id + 1)) : (result as Checkpoint).nextId,
    segment: segmentOf(named),
    description: `the intact lines of ${named.file} and the log after it`,
    lost,
  };
}

/** What a repair would keep and drop, without writing anything. */
async function dryRun(
  io: FileIo,
  walDir: string,
  streamsDir: string,
  base: RepairBase,
  segments: number[],
  tornTail: Inspection["tornTail"],
  damagedBlocks: Map<number, BlockDamage[]>,
): Promise<{ streams: number; losses: Loss[]; ids: Set<number> }> {
  const catalog = new Catalog();
  for (const entry of await base.entries()) catalog.add(entry);
  catalog.nextId = Math.max(catalog.nextId, base.nextId);
  const salvage = new Salvage(catalog, { data: async () => {}, cut: async () => {} });
  await cutDamagedData(salvage, catalog, damagedBlocks);
  await replayInto(io, walDir, salvage, base.segment, segments, tornTail);
  salvage.dropBrokenForks();
  salvage.unclaimedFiles(await dataFileSizes(streamsDir));
  const entries = [...catalog.entries()];
  return { streams: entries.length, losses: salvage.losses(), ids: new Set(entries.map((e) => e.id)) };
}

/** Cuts each base stream at its first damaged block the log does not hold (a damaged slot alone is no loss). */
export async function cutDamagedData(
  salvage: Salvage,
  catalog: Catalog,
  damagedBlocks: Map<number, BlockDamage[]>,
): Promise<void> {
  for (const entry of [...catalog.entries()]) {
    const lost = damagedBlocks.get(entry.id)?.find((d) => d.kind !== "checksum" && d.from < entry.tail - entry.base);
    if (!lost) continue;
    const reason =
      lost.kind === "index"
        ? "its append index is damaged from here and the log no longer holds it"
        : "its data file is damaged from here and the log no longer holds it";
    await salvage.truncate(entry, entry.base + lost.from, reason);
  }
}

export async function replayInto(
  io: FileIo,
  walDir: string,
  salvage: Salvage,
  first: number,
  segments: number[],
  tornTail: Inspection["tornTail"],
): Promise<void> {
  for (const segment of segments.filter((s) => s >= first)) {
    const bytes = await io.readFile(join(walDir, segmentName(segment)));
    const stopAt = tornTail?.segment === segment ? tornTail.offset : undefined;
    for (const record of salvageRecords(bytes, stopAt)) await salvage.apply(record);
  }
}

/** Ids whose files are accounted for: live streams, and whole streams reported lost by number. */
function claimedIds(salvage: { ids: Set<number>; losses: Loss[] }): Set<number> {
  const lost = salvage.losses.filter((l) => l.stream.startsWith("#")).map((l) => Number(l.stream.slice(1)));
  return new Set([...salvage.ids, ...lost]);
}

async function notes(
  io: FileIo,
  streamsDir: string,
  checkpoints: ReadCheckpoint[],
  segments: SegmentCheck[],
  tornTail: Inspection["tornTail"],
  live: Set<number>,
  checked: Entry[],
): Promise<string[]> {
  const out: string[] = [];
  if (tornTail) {
    out.push(
      `wal/${segmentName(tornTail.segment)} ends in a torn write at byte ${tornTail.offset} (a crash interrupted it; ` +
        "it was never acknowledged): the next start cuts it off",
    );
  }
  const legacy =
    segments.filter((s) => s.format === 1).length + (checkpoints.some((c) => c.file === "checkpoint.jsonl") ? 1 : 0);
  if (legacy > 0)
    out.push(`${legacy} file(s) of the previous on-disk format: read as they are, replaced as the store goes on`);
  const unchecked = checked.filter((e) => !e.checksummed).length;
  if (unchecked > 0)
    out.push(`${unchecked} stream(s) of the previous format have no checksums yet: the next start adds them`);
  let names: string[] = [];
  try {
    names = await io.readdir(streamsDir);
  } catch {
    out.push("there is no streams/ directory");
  }
  const orphans = names.filter((name) => {
    const file = parseSegmentFileName(name);
    return file !== undefined && !live.has(file.id);
  });
  if (orphans.length > 0)
    out.push(`${orphans.length} file(s) of removed streams in streams/: the next start deletes them`);
  return out;
}
