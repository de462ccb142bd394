/**
 * Group commit: records arriving while a commit runs share the next one. A commit writes each
 * stream's new bytes to its data file, then the whole batch to the log in one write (one
 * checksummed batch frame; in fsync mode the log is O_DSYNC, so the write returning means the
 * batch is on disk), then applies it to the catalog and resolves every record in it.
 *
 * An atomic unit (Store.appendAtomic) is submitted in one step, so its records are adjacent in
 * the queue and always land in the same batch: recovery replays a batch whole or cuts it whole,
 * so the unit survives a crash entirely or not at all. Here it also fails as a whole: when one
 * of its streams fails (an earlier failed append, a data-file write), none of it is written.
 */
import { StoreBusyError, StoreFullError } from "../errors.js";
import { metaWith } from "../stream-meta.js";
import type { StoreObserver } from "../types.js";
import type { Catalog, Entry } from "./catalog.js";
import type { Checkpointer } from "./checkpointer.js";
import { encodeRecord, type WalRecord } from "./codec.js";
import type { DataFiles } from "./data-files.js";
import { isOutOfDescriptors } from "./fd-cache.js";
import type { StoreHealthState } from "./health.js";
import type { PlacedEntry } from "./index-files.js";
import { isDiskFull } from "./io.js";
import { recordData } from "./recovery.js";
import { FatalStoreError, type Wal } from "./wal.js";

export interface GroupCommitContext {
  readonly wal: Wal;
  readonly files: DataFiles;
  readonly catalog: Catalog;
  readonly checkpointer: Checkpointer;
  readonly state: StoreHealthState;
  observer(): StoreObserver | undefined;
  /** A batch was written but not fsynced (interval durability). */
  wroteUnsynced(): void;
  /** Durability can no longer be guaranteed: the store stops (called once). */
  fatal(error: FatalStoreError): void;
}

interface Pending {
  readonly entry: Entry;
  readonly record: WalRecord;
  /** The append's index entries, placed when it was accepted. */
  readonly placed: readonly PlacedEntry[];
  /** The entry's failure count at submission: if it moved, an earlier append failed. */
  readonly failuresAtSubmit: number;
  /** The atomic unit the record belongs to, if any: its records stand or fall together. */
  readonly unit: Unit | undefined;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** One atomic unit: resolved once every record of it is durable, rejected (once) if any fails. */
interface Unit {
  readonly size: number;
  left: number;
  failed: boolean;
}

/** A record of an atomic unit, accepted by its entry. */
export interface UnitPart {
  readonly entry: Entry;
  readonly record: Extract<WalRecord, { type: "append" }>;
  readonly placed: readonly PlacedEntry[];
}

export class GroupCommit {
  private queue: Pending[] = [];
  private committing: Promise<void> | undefined;
  /** Ids of atomic units, in their records: distinct within any batch (fsck salvages a damaged batch's units by them). */
  private nextUnit = 0;
  /** Set when the store stops as a crash would: nothing more is committed. */
  stopped = false;

  constructor(private readonly context: GroupCommitContext) {}

  submit(entry: Entry, record: WalRecord, placed: readonly PlacedEntry[] = []): Promise<void> {
    const fatal = this.context.state.fatal;
    if (fatal) return Promise.reject(fatal);
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, record, placed, failuresAtSubmit: entry.failures, unit: undefined, resolve, reject });
      this.committing ??= this.loop();
    });
  }

  /** Submits the records of one atomic unit: all of them become durable in one batch, or none does. */
  submitAtomic(parts: readonly UnitPart[]): Promise<void> {
    const fatal = this.context.state.fatal;
    if (fatal) return Promise.reject(fatal);
    return new Promise((resolve, reject) => {
      const unit: Unit = { size: parts.length, left: parts.length, failed: false };
      const id = this.nextUnit++;
      for (const [index, { entry, record, placed }] of parts.entries()) {
        this.queue.push({
          entry,
          record: { ...record, unit: { id, index, size: parts.length } },
          placed,
          failuresAtSubmit: entry.failures,
          unit,
          resolve: () => {
            if (--unit.left === 0) resolve();
          },
          reject: (error) => {
            if (unit.failed) return;
            unit.failed = true;
            reject(error);
          },
        });
      }
      this.committing ??= this.loop();
    });
  }

  /** Resolves when no commit is running. */
  async idle(): Promise<void> {
    await this.committing;
  }

  /** Stops the store: `pending` and everything queued fail with `error`. */
  die(error: FatalStoreError, pending: Pending[] = []): void {
    const state = this.context.state;
    for (const p of pending) p.reject(state.fatal ?? error);
    if (this.stopped || state.fatal) return;
    for (const p of this.queue) p.reject(error);
    this.queue = [];
    this.context.fatal(error);
  }

  private async loop(): Promise<void> {
    const { state, checkpointer } = this.context;
    // A committed batch whose answers wait for the next batch's log write to start: the
    // answers (CPU) and that write (the disk) then overlap instead of taking turns.
    let committed: Pending[] = [];
    try {
      while (this.queue.length > 0 && !state.fatal && !this.stopped) {
        const batch = this.queue;
        this.queue = [];
        committed = await this.commit(batch, committed);
        if (checkpointer.due && !this.stopped && !state.fatal) {
          committed = acknowledge(committed);
          await checkpointer.take();
        }
      }
    } catch (error) {
      // Only a fatal log error gets here (a failed sync while switching segments).
      committed = acknowledge(committed);
      this.die(error instanceof FatalStoreError ? error : new FatalStoreError("The log failed", error));
    } finally {
      // Durable before anything failed, so acknowledged whatever happens next.
      acknowledge(committed);
      this.committing = undefined;
    }
  }

  /**
   * Commits one batch and returns its records, durable and applied, for the caller to
   * acknowledge. `previous` (the batch committed before, not yet acknowledged) is acknowledged
   * as soon as this batch's log write is under way, or as soon as it is clear there is none.
   */
  private async commit(batch: Pending[], previous: Pending[]): Promise<Pending[]> {
    try {
      let pending = admit(batch);
      // 1. Data files first: if a crash follows, their extra bytes lie past the durable tail,
      //    where nothing reads them and the next append overwrites them.
      const written = await this.writeDataFiles(pending);
      pending = written.good;
      if (written.diskFull) this.refusedForSpace(written.diskFull);
      if (pending.length === 0) return [];
      // 2. One log write for the whole batch, for all streams.
      const started = performance.now();
      const writing = this.context.wal.write(pending.map((p) => encodeRecord(p.record)));
      previous = acknowledge(previous);
      try {
        await writing;
        this.context.observer()?.commit(pending.length, (performance.now() - started) / 1000);
      } catch (error) {
        // fsyncgate: after a failed sync the kernel may have dropped the pages; never retry.
        if (error instanceof FatalStoreError) {
          this.die(error, pending);
          return [];
        }
        if (isDiskFull(error)) this.refusedForSpace((error as NodeJS.ErrnoException).code!);
        for (const p of pending) failEntry(p.entry);
        for (const p of pending) p.reject(storeError(error));
        return [];
      }
      this.context.wroteUnsynced();
      for (const p of pending) this.apply(p);
      if (!written.diskFull) await this.context.state.wrote();
      return pending;
    } finally {
      acknowledge(previous);
    }
  }

  private refusedForSpace(code: string): void {
    this.context.state.diskFull = code;
    this.context.state.spaceShort();
  }

  /**
   * Writes each stream's new bytes with one positional write (per segment) and its new index
   * entries; returns the records still good.
   */
  private async writeDataFiles(pending: Pending[]): Promise<{ good: Pending[]; diskFull: string | undefined }> {
    const runs = new Map<Entry, { start: number; parts: Uint8Array[]; placed: PlacedEntry[] }>();
    for (const p of pending) {
      const data = recordData(p.record);
      if (!data || data.data.length === 0) continue;
      const run = runs.get(p.entry);
      if (run) {
        run.parts.push(data.data);
        run.placed.push(...p.placed);
      } else {
        runs.set(p.entry, { start: data.position - p.entry.base, parts: [data.data], placed: [...p.placed] });
      }
    }
    if (runs.size === 0) return { good: pending, diskFull: undefined };
    const failed = new Map<Entry, unknown>();
    const { files } = this.context;
    await Promise.all(
      [...runs].map(async ([entry, run]) => {
        try {
          await Promise.all([files.write(entry, run.start, run.parts), files.writeIndex(entry, run.placed)]);
        } catch (error) {
          failed.set(entry, error);
        }
      }),
    );
    if (failed.size === 0) return { good: pending, diskFull: undefined };
    spreadOverUnits(pending, failed);
    const good = pending.filter((p) => {
      const error = failed.get(p.entry);
      if (error === undefined) return true;
      failEntry(p.entry);
      p.reject(storeError(error));
      return false;
    });
    const full = [...failed.values()].find(isDiskFull) as NodeJS.ErrnoException | undefined;
    return { good, diskFull: full?.code };
  }

  /** A committed record into the catalog (and its completed blocks' checksums into the queue). */
  private apply(p: Pending): void {
    const { entry, record } = p;
    const { catalog, files, checkpointer } = this.context;
    switch (record.type) {
      case "create":
        catalog.add(entry);
        if (record.first) files.addBlocks(entry, entry.apply(record.first).completed);
        if (record.first?.data.length) checkpointer.markDirty(entry);
        break;
      case "append":
        files.addBlocks(entry, entry.apply(record.record).completed);
        if (record.record.data.length > 0) checkpointer.markDirty(entry);
        break;
      case "mark-deleted":
        entry.softDeleted = true;
        break;
      case "trim":
        // The freed segments' files are deleted by the trim's caller, now that it is durable.
        entry.trim(record.earliest);
        break;
      case "configure":
        entry.meta = metaWith(entry.meta, { retention: record.retention });
        break;
      case "remove":
        catalog.delete(entry);
        checkpointer.forget(entry);
        files.forget(entry);
        break;
    }
  }
}

/**
 * The records of a batch that may still be written: not those of a stream an earlier append
 * failed on, nor any record of an atomic unit that has one such record (its other streams
 * accepted the unit's records too: they rewind, and what they queued behind it fails).
 */
function admit(batch: readonly Pending[]): Pending[] {
  const kept: Pending[] = [];
  for (let i = 0; i < batch.length; ) {
    const size = batch[i]!.unit?.size ?? 1;
    // A unit's records were queued in one step, so they are adjacent.
    const group = batch.slice(i, i + size);
    i += size;
    const good = (p: Pending) => p.entry.failures === p.failuresAtSubmit;
    if (group.every(good)) {
      kept.push(...group);
      continue;
    }
    for (const p of group) if (good(p)) failEntry(p.entry);
    for (const p of group) p.reject(new Error("An earlier append to one of these streams failed"));
  }
  return kept;
}

/** A stream whose data-file write failed fails every atomic unit it is in, and so those units' other streams. */
function spreadOverUnits(pending: readonly Pending[], failed: Map<Entry, unknown>): void {
  for (let spread = true; spread; ) {
    spread = false;
    for (const p of pending) {
      const error = p.unit && !failed.has(p.entry) ? unitFailure(pending, p.unit, failed) : undefined;
      if (error === undefined) continue;
      failed.set(p.entry, error);
      spread = true;
    }
  }
}

function unitFailure(pending: readonly Pending[], unit: Unit, failed: Map<Entry, unknown>): unknown {
  for (const q of pending) if (q.unit === unit && failed.has(q.entry)) return failed.get(q.entry);
  return undefined;
}

/** Resolves every record of a committed batch; returns the empty batch left. */
function acknowledge(committed: Pending[]): Pending[] {
  for (const p of committed) p.resolve();
  return [];
}

/** After a failed append, the entry's queued appends fail too and what it accepted rewinds. */
function failEntry(entry: Entry): void {
  entry.failures++;
  entry.rewind();
}

function storeError(error: unknown): unknown {
  if (isDiskFull(error)) return new StoreFullError(undefined, { cause: error });
  if (isOutOfDescriptors(error)) return new StoreBusyError(undefined, { cause: error });
  return error;
}
