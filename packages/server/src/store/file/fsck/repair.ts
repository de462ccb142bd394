/**
 * `rivulet fsck --repair` (docs/storage.md, "Checking and repairing"): explicit, and nothing
 * is lost that could be kept. Every damaged file is copied to `quarantine/<time>/` first.
 * Then every intact record is salvaged onto the repair base, each stream kept to its longest
 * consistent prefix (never a gap), damaged data-file bytes rewritten from the log where it
 * still holds them, and the result written as a fresh checkpoint that replaces the old
 * checkpoints and log. The result says exactly what was dropped.
 */
import { copyFile, mkdir, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { crc32 } from "node:zlib";
import { BLOCK_BYTES, encodeSlot, SLOT_BYTES } from "../block-crc.js";
import { Catalog, type Entry } from "../catalog.js";
import { checkpointName, listCheckpoints, snapshotText, writeCheckpoint } from "../checkpoint.js";
import { DataFiles } from "../data-files.js";
import { type FileIo, nodeIo, READ_WRITE_CREATE, readFully, writeFully } from "../io.js";
import { lockDataDir } from "../lock.js";
import { parseSegmentFileName, segmentFileName, segmentOf, segmentStart } from "../segments.js";
import { segmentName } from "../wal.js";
import type { BlockDamage } from "./data-check.js";
import { dataFileSizes } from "./data-file-sizes.js";
import { cutIndex } from "./index-cut.js";
import { cutDamagedData, type Inspection, inspect, replayInto } from "./inspect.js";
import { Salvage } from "./salvage.js";
import type { FsckReport, RepairResult } from "./types.js";

/** Checks a data directory offline (it must not be in use) and reports; changes nothing. */
export async function checkDataDir(dir: string, io: FileIo = nodeIo): Promise<FsckReport> {
  const lock = await lockDataDir(io, dir);
  try {
    return (await inspect(io, dir)).report;
  } finally {
    await lock.release();
  }
}

/** Checks, and if anything is damaged, repairs. */
export async function repairDataDir(
  dir: string,
  io: FileIo = nodeIo,
): Promise<{ report: FsckReport; repair: RepairResult | undefined }> {
  const lock = await lockDataDir(io, dir);
  try {
    const inspection = await inspect(io, dir);
    if (inspection.report.clean) return { report: inspection.report, repair: undefined };
    return { report: inspection.report, repair: await repair(io, dir, inspection) };
  } finally {
    await lock.release();
  }
}

async function repair(io: FileIo, dir: string, inspection: Inspection): Promise<RepairResult> {
  const quarantine = join(dir, "quarantine", new Date().toISOString().replace(/[:.]/g, "-"));
  const quarantined = await copyAside(dir, quarantine, inspection.damagedFiles);

  const catalog = new Catalog();
  for (const entry of await inspection.base.entries()) catalog.add(entry);
  catalog.nextId = Math.max(catalog.nextId, inspection.base.nextId);
  const data = new DataFiles(io, inspection.streamsDir, 64, { corruption: () => {}, exhausted: () => {} });
  const touched = new Set<Entry>();
  const salvage = new Salvage(catalog, {
    async data(entry, position, bytes, placed, completed) {
      await data.write(entry, position, [bytes]);
      await data.writeIndex(entry, placed);
      data.addBlocks(entry, completed);
      touched.add(entry);
    },
    async cut(entry) {
      await cutIndex(data, entry);
      touched.add(entry);
    },
  });
  await cutDamagedData(salvage, catalog, inspection.damagedBlocks);
  const rewrittenSlots = await rewriteSlots(io, inspection, catalog, touched);
  await replayInto(
    io,
    inspection.walDir,
    salvage,
    inspection.base.segment,
    inspection.segmentNumbers,
    inspection.tornTail,
  );
  salvage.dropBrokenForks();
  salvage.unclaimedFiles(await dataFileSizes(inspection.streamsDir));

  await data.flushPending();
  for (const entry of touched) if (catalog.holds(entry)) await data.sync(entry, 0, (handle) => io.datasync(handle));
  await data.closeAll();
  await io.syncDir(inspection.streamsDir);
  const segment = Math.max(inspection.base.segment, (inspection.segmentNumbers.at(-1) ?? -1) + 1);
  await writeCheckpoint(io, dir, segment, snapshotText(segment, catalog.nextId, catalog.entries()));
  await replaceOldState(io, dir, inspection, segment, quarantine, catalog);
  return { quarantine, quarantined, losses: salvage.losses(), rewrittenSlots, checkpoint: checkpointName(segment) };
}

/** Copies files (relative to `dir`) into the quarantine, keeping their relative paths. */
async function copyAside(dir: string, quarantine: string, files: string[]): Promise<string[]> {
  const copied: string[] = [];
  for (const file of files) {
    const to = join(quarantine, file);
    await mkdir(dirname(to), { recursive: true });
    try {
      await copyFile(join(dir, file), to);
      copied.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return copied;
}

/**
 * A damaged checksum slot in front of data the log no longer holds: the slot, not the data,
 * failed its own check, so the slot is rewritten from the data (which cannot be checked).
 */
async function rewriteSlots(
  io: FileIo,
  inspection: Inspection,
  catalog: Catalog,
  touched: Set<Entry>,
): Promise<RepairResult["rewrittenSlots"]> {
  const rewritten: RepairResult["rewrittenSlots"] = [];
  for (const entry of catalog.entries()) {
    const slots = (inspection.damagedBlocks.get(entry.id) ?? []).filter(
      (d: BlockDamage) => d.kind === "checksum" && d.to <= entry.tail - entry.base,
    );
    for (const damage of slots) {
      for (let from = damage.from; from < damage.to; from += BLOCK_BYTES) {
        const index = from / BLOCK_BYTES;
        const offset = segmentStart(entry.layout, segmentOf(entry.layout, from));
        const file = (kind: "data" | "crc") => join(inspection.streamsDir, segmentFileName(entry.id, offset, kind));
        const handle = await io.open(file("data"), READ_WRITE_CREATE);
        const block = await readFully(io, handle, BLOCK_BYTES, from - offset).finally(() => handle.close());
        const crcFile = await io.open(file("crc"), READ_WRITE_CREATE);
        const at = (index - offset / BLOCK_BYTES) * SLOT_BYTES;
        await writeFully(io, crcFile, [encodeSlot({ index, crc: crc32(block) })], at).finally(() => crcFile.close());
        rewritten.push({ stream: entry.meta.path, block: index });
        touched.add(entry);
      }
    }
  }
  return rewritten;
}

/**
 * The fresh checkpoint replaces every older one and the whole log (damaged files were copied
 * aside first). Files of streams the repair dropped move to the quarantine too: the next
 * start would otherwise delete them as orphans.
 */
async function replaceOldState(
  io: FileIo,
  dir: string,
  inspection: Inspection,
  segment: number,
  quarantine: string,
  catalog: Catalog,
): Promise<void> {
  const keep = checkpointName(segment);
  const names = await io.readdir(dir);
  for (const file of [...(await listCheckpoints(io, dir)), ...names.filter((n) => n.endsWith(".damaged"))]) {
    if (file !== keep) await io.unlink(join(dir, file));
  }
  for (const old of inspection.segmentNumbers) await io.unlink(join(inspection.walDir, segmentName(old)));
  const live = new Set([...catalog.entries()].map((entry) => entry.id));
  for (const name of await io.readdir(inspection.streamsDir)) {
    const file = parseSegmentFileName(name);
    if (file === undefined || live.has(file.id)) continue;
    await mkdir(join(quarantine, "streams"), { recursive: true });
    await rename(join(inspection.streamsDir, name), join(quarantine, "streams", name));
  }
  await io.syncDir(inspection.walDir);
  await io.syncDir(dir);
}
