/**
 * Recovery at open (docs/storage.md, "Recovery"): load the newest intact checkpoint, replay the
 * log from its boundary, cut a torn tail, and refuse, changing nothing, whenever going on
 * would mean guessing:
 *
 * - a damaged checkpoint falls back to the one before it, or to the whole log, never to a
 *   half-read catalog; with no intact checkpoint and no complete log the store refuses;
 * - only damage at the very end of the newest segment, with no intact batch after it, is a
 *   torn tail (the last write, never acknowledged); damage anywhere else is corruption.
 */
import { join } from "node:path";
import { StoreCorruptionError, StoreDamagedError, StoreFullError } from "../errors.js";
import type { AppendRecord } from "../types.js";
import type { Catalog, Entry } from "./catalog.js";
import { type Checkpoint, type CheckpointDamage, isDamaged, listCheckpoints, readCheckpoint } from "./checkpoint.js";
import type { WalRecord } from "./codec.js";
import type { DataFiles } from "./data-files.js";
import type { PlacedEntry } from "./index-files.js";
import { type FileIo, isDiskFull, READ_WRITE_CREATE } from "./io.js";
import { buildLegacyIndexes } from "./legacy-index.js";
import { readSegment } from "./segment-reader.js";
import { legacyLayout } from "./segments.js";
import { listSegments, segmentName } from "./wal.js";

export interface RecoveryContext {
  readonly io: FileIo;
  readonly dir: string;
  readonly walDir: string;
  readonly catalog: Catalog;
  readonly data: DataFiles;
  /** The time streams of a previous format are indexed with (their append times are not known). */
  readonly now: number;
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface Recovered {
  /** The segment to write next. */
  readonly nextSegment: number;
  /** Streams whose data files replay rewrote (page cache only: the next checkpoint fsyncs them). */
  readonly replayed: Set<Entry>;
  /** The checkpoint loaded, if any. */
  readonly checkpoint: Checkpoint | undefined;
  /** Streams of a previous format whose append index was built now (the upgrade checkpoints them). */
  readonly upgraded: Entry[];
}

export async function recover(context: RecoveryContext): Promise<Recovered> {
  const { io, walDir, catalog } = context;
  const segments = await listSegments(io, walDir);
  const checkpoint = await chooseCheckpoint(context, segments);
  for (const entry of checkpoint?.entries ?? []) {
    // A stream from before segments keeps all it had in segment 0; later ones are the store's size.
    if (entry.layoutGuessed) entry.layout = legacyLayout(catalog.layout.size, entry.tail - entry.base);
    catalog.add(entry);
  }
  if (checkpoint) catalog.nextId = Math.max(catalog.nextId, checkpoint.nextId);
  const first = checkpoint?.segment ?? 0;
  const replaying = segments.filter((s) => s >= first);

  const writer = new ReplayWriter(context.data);
  catalog.beginReplay();
  for (const [i, segment] of replaying.entries()) {
    await replaySegment(context, segment, i === replaying.length - 1, async (record) => {
      if (record.type === "remove") {
        const removed = catalog.replayed(record.id);
        if (removed) context.data.forget(removed);
      }
      const applied = catalog.replay(record);
      const data = recordData(record);
      if (applied && data && data.data.length > 0) {
        await writer.add(applied.entry, data.position - applied.entry.base, data.data, applied.placed);
        context.data.addBlocks(applied.entry, applied.completed);
      }
      if (record.type === "remove") writer.forget(record.id);
    });
  }
  const replayed = await writer.flush();
  catalog.endReplay();
  await checksumLegacy(context);
  const upgraded = await buildLegacyIndexes(catalog, context.data, context.now);
  await context.data.flushPending().catch(() => {}); // still pending: the next checkpoint writes them
  return { nextSegment: Math.max(first, (replaying.at(-1) ?? first - 1) + 1), replayed, checkpoint, upgraded };
}

/**
 * The newest intact checkpoint whose log follows it without a gap. Damaged ones are set aside
 * (renamed `.damaged`, kept for fsck) and logged; unreadable ones stop the start: an I/O error
 * may pass, and falling back past it would be a guess.
 */
async function chooseCheckpoint(context: RecoveryContext, segments: number[]): Promise<Checkpoint | undefined> {
  const damaged: CheckpointDamage[] = [];
  for (const file of await listCheckpoints(context.io, context.dir)) {
    const result = await readCheckpoint(context.io, context.dir, file);
    if (isDamaged(result)) {
      if (result.reason.startsWith("unreadable")) {
        throw new StoreDamagedError(`Checkpoint ${join(context.dir, file)} is ${result.reason}; refusing to start`);
      }
      damaged.push(result);
      continue;
    }
    if (!logFollows(segments, result.segment)) {
      context.warn("checkpoint skipped: the log after it is incomplete", { file, segment: result.segment });
      continue;
    }
    for (const bad of damaged) await setAside(context, bad);
    return result;
  }
  if (segments.length === 0 ? damaged.length === 0 : logFollows(segments, 0) && segments[0] === 0) {
    for (const bad of damaged) await setAside(context, bad);
    return undefined;
  }
  const why = damaged.map((d) => `${d.file}: ${d.reason}`).join("; ") || "no checkpoint";
  throw new StoreDamagedError(
    `No intact checkpoint (${why}) and the log in ${context.walDir} does not reach back to its start; ` +
      `nothing was changed. Run: rivulet fsck --data-dir ${context.dir}`,
  );
}

/** Whether the segments from `boundary` on are present without a gap (or there are none). */
export function logFollows(segments: number[], boundary: number): boolean {
  const after = segments.filter((s) => s >= boundary);
  return after.every((s, i) => s === boundary + i);
}

async function setAside(context: RecoveryContext, damage: CheckpointDamage): Promise<void> {
  const from = join(context.dir, damage.file);
  await context.io.rename(from, `${from}.damaged`);
  context.warn("damaged checkpoint set aside; recovered from an earlier checkpoint or the log", {
    file: damage.file,
    reason: damage.reason,
    keptAs: `${damage.file}.damaged`,
  });
}

async function replaySegment(
  context: RecoveryContext,
  segment: number,
  newest: boolean,
  apply: (record: WalRecord) => Promise<void>,
): Promise<void> {
  const path = join(context.walDir, segmentName(segment));
  const bytes = await context.io.readFile(path);
  const reader = readSegment(bytes);
  let step = reader.next();
  for (; !step.done; step = reader.next()) for (const record of step.value.records) await apply(record);
  const { damage, end } = step.value;
  if (!damage) return;
  if (newest && damage.batchesAfter === 0) {
    await cutTornTail(context.io, path, end);
    context.warn("cut a torn tail off the log (a write the crash interrupted; never acknowledged)", {
      file: path,
      offset: end,
      bytes: bytes.length - end,
    });
    return;
  }
  const where = newest ? "" : " (not the newest segment)";
  throw new StoreDamagedError(
    `Log segment ${path} is damaged at byte ${damage.offset}${where}; ${damage.recordsAfter} intact records ` +
      `in ${damage.batchesAfter} batches follow it. Nothing was changed. Run: rivulet fsck --data-dir ${context.dir}`,
  );
}

async function cutTornTail(io: FileIo, path: string, end: number): Promise<void> {
  const handle = await io.open(path, READ_WRITE_CREATE);
  try {
    await io.truncate(handle, end);
    await io.datasync(handle);
  } finally {
    await handle.close();
  }
}

/** Streams from the previous format get their checksum files now, once. */
async function checksumLegacy(context: RecoveryContext): Promise<void> {
  for (const entry of context.catalog.entries()) {
    if (entry.checksummed) continue;
    try {
      await context.data.checksumLegacy(entry);
    } catch (error) {
      if (error instanceof StoreCorruptionError) {
        throw new StoreDamagedError(`${error.message} --data-dir ${context.dir}`, { cause: error });
      }
      if (!isDiskFull(error)) throw error;
      // Served unchecked until a later open has the space to checksum it.
      context.warn("no space to checksum a stream of the previous format", { stream: entry.meta.path });
    }
  }
}

interface Run {
  readonly entry: Entry;
  readonly start: number;
  readonly parts: Uint8Array[];
  end: number;
  readonly placed: PlacedEntry[];
}

/** Batches replayed data (and index entries) per stream into contiguous runs, one write each. */
class ReplayWriter {
  private readonly runs = new Map<number, Run>();
  private readonly touched = new Set<Entry>();

  constructor(private readonly data: DataFiles) {}

  async add(entry: Entry, start: number, data: Uint8Array, placed: readonly PlacedEntry[]): Promise<void> {
    const run = this.runs.get(entry.id);
    if (run && run.entry === entry && run.end === start) {
      run.parts.push(data);
      run.end += data.length;
      run.placed.push(...placed);
      return;
    }
    if (run) await this.flushRun(run.entry.id);
    this.runs.set(entry.id, { entry, start, parts: [data], end: start + data.length, placed: [...placed] });
  }

  forget(id: number): void {
    this.runs.delete(id);
  }

  /** Writes every pending run, many files at a time (the fd cache bounds how many). */
  async flush(): Promise<Set<Entry>> {
    const ids = [...this.runs.keys()];
    const worker = async () => {
      for (let id = ids.pop(); id !== undefined; id = ids.pop()) await this.flushRun(id);
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    return this.touched;
  }

  private async flushRun(id: number): Promise<void> {
    const run = this.runs.get(id);
    if (!run) return;
    this.runs.delete(id);
    // On a full disk (where even overwriting can need space, on copy-on-write filesystems)
    // the bytes are usually there already, written before the crash: then all is well.
    await rewrite(
      () => this.data.write(run.entry, run.start, run.parts),
      () => this.data.holds(run.entry, run.start, run.parts),
    );
    await rewrite(
      () => this.data.writeIndex(run.entry, run.placed),
      () => this.data.holdsIndex(run.entry, run.placed),
    );
    this.touched.add(run.entry);
  }
}

async function rewrite(write: () => Promise<void>, alreadyThere: () => Promise<boolean>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!isDiskFull(error) || !(await alreadyThere())) throw storeFull(error);
  }
}

function storeFull(error: unknown): unknown {
  if (!isDiskFull(error)) return error;
  return new StoreFullError("The disk is full: recovery cannot write stream data the log holds; free some space", {
    cause: error,
  });
}

export function recordData(record: WalRecord): AppendRecord | undefined {
  if (record.type === "append") return record.record;
  if (record.type === "create") return record.first;
  return undefined;
}
