/**
 * The durable file store (docs/storage.md has the design, format and guarantees).
 *
 * - Every change is a checksummed record in the write-ahead log; an append's data, producer
 *   state, Stream-Seq and closure are one record.
 * - Group commit: records arriving while a commit runs share the next one, which is one log
 *   write (one checksummed batch frame) and one fdatasync for all streams together.
 * - Each stream's bytes are also kept, in wire format, in its own data file, so a read is one
 *   positional read, checked against block checksums. Data files are fsynced only at
 *   checkpoints; until then the log holds the data and recovery rewrites it.
 * - One process owns a data directory at a time (lock.ts).
 *
 * Recovery, checkpoints, data files and readiness live in their own modules; this one runs
 * the commit loop and ties them together.
 */
import { join } from "node:path";
import { StoreBusyError, type StoreCorruptionError, StoreFullError } from "../errors.js";
import type { AppendRecord, Store, StoredStream, StoreHealth, StoreObserver, StreamMeta } from "../types.js";
import { Catalog, Entry } from "./catalog.js";
import { markFormat } from "./checkpoint.js";
import { Checkpointer } from "./checkpointer.js";
import { encodeRecord, type WalRecord } from "./codec.js";
import { DataFiles } from "./data-files.js";
import { isOutOfDescriptors } from "./fd-cache.js";
import { StoreHealthState } from "./health.js";
import { openFileLimit } from "./host.js";
import { type FileIo, isDiskFull, nodeIo } from "./io.js";
import { type DirLock, lockDataDir } from "./lock.js";
import { recordData, recover } from "./recovery.js";
import { FatalStoreError, Wal } from "./wal.js";

export type Durability = "fsync" | { readonly intervalMs: number };

export interface FileStoreOptions {
  readonly dir: string;
  /** `fsync` (default): fdatasync before every acknowledgement. Or fsync on an interval. */
  readonly durability?: Durability;
  /** Filesystem calls; tests inject faults here. */
  readonly io?: FileIo;
  /** Files kept open at most (default: half the process's open-file limit, the rest left to connections). */
  readonly maxOpenFiles?: number;
  /** Log bytes after which a checkpoint is taken (default 64 MiB). */
  readonly checkpointBytes?: number;
  /** Below this much free disk space the store reports not ready (default 16 MiB). */
  readonly minFreeBytes?: number;
  /** How often free disk space is checked (default 5 s). */
  readonly spaceCheckMs?: number;
  /** Called when durability can no longer be guaranteed; the default stops the process. */
  readonly onFatal?: (error: Error) => void;
}

interface Pending {
  readonly entry: Entry;
  readonly record: WalRecord;
  /** The entry's failure count at submission: if it moved, an earlier append failed. */
  readonly failuresAtSubmit: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Open-file budget when the process's limit cannot be read (not Linux). */
const FALLBACK_OPEN_FILES = 128;

export class FileStore implements Store {
  readonly description: string;
  readonly durability: string;
  private readonly io: FileIo;
  private readonly dir: string;
  private readonly walDir: string;
  private readonly mode: Durability;
  private readonly onFatal: (error: Error) => void;
  private readonly catalog = new Catalog();
  private readonly creating = new Map<string, Entry>();
  private readonly wal: Wal;
  private data: DataFiles | undefined;
  private checkpointer: Checkpointer | undefined;
  private readonly state: StoreHealthState;
  private lock: DirLock | undefined;
  private queue: Pending[] = [];
  private committing: Promise<void> | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private unsynced = false;
  /** Set by simulateCrash: background work stops without side effects. */
  private stopped = false;
  private observer: StoreObserver | undefined;

  constructor(private readonly options: FileStoreOptions) {
    this.io = options.io ?? nodeIo;
    this.dir = options.dir;
    this.walDir = join(options.dir, "wal");
    this.mode = options.durability ?? "fsync";
    this.onFatal = options.onFatal ?? defaultFatal;
    this.state = new StoreHealthState(
      {
        io: this.io,
        dir: options.dir,
        minFreeBytes: options.minFreeBytes ?? 16 << 20,
        spaceCheckMs: options.spaceCheckMs ?? 5_000,
      },
      () => this.data?.shortage,
    );
    this.wal = new Wal(this.io, this.walDir, this.mode === "fsync", () => this.state.spaceShort());
    this.description = `file:${options.dir}`;
    this.durability =
      this.mode === "fsync"
        ? "fsync before every acknowledgement (group commit)"
        : `fsync every ${this.mode.intervalMs} ms (an OS crash can lose the last ${this.mode.intervalMs} ms of acknowledged appends; a process crash loses nothing)`;
  }

  async open(): Promise<StoredStream[]> {
    await this.io.mkdir(this.dir);
    this.lock = await lockDataDir(this.io, this.dir);
    try {
      return await this.openLocked();
    } catch (error) {
      await this.data?.closeAll().catch(() => {});
      await this.wal.close().catch(() => {});
      await this.lock.release();
      throw error;
    }
  }

  private async openLocked(): Promise<StoredStream[]> {
    const streamsDir = join(this.dir, "streams");
    for (const dir of [this.walDir, streamsDir]) await this.io.mkdir(dir);
    const data = new DataFiles(this.io, streamsDir, await this.openFileBudget(), {
      corruption: (error) => this.corrupted(error),
      exhausted: (error) => this.observer?.fileLimit?.(error),
    });
    this.data = data;
    const warn = (message: string, fields: Record<string, unknown>) => this.observer?.warning?.(message, fields);
    const recovered = await recover({
      io: this.io,
      dir: this.dir,
      walDir: this.walDir,
      catalog: this.catalog,
      data,
      warn,
    });
    this.checkpointer = new Checkpointer({
      io: this.io,
      dir: this.dir,
      walDir: this.walDir,
      wal: this.wal,
      catalog: this.catalog,
      data,
      everyBytes: this.options.checkpointBytes ?? 64 << 20,
      die: (error) => this.die(error, []),
      warn,
    });
    // The replayed data is in the page cache only; the log segments that hold it stay until
    // the next checkpoint has fsynced those files, so recovery fsyncs nothing per stream.
    for (const entry of recovered.replayed) if (this.catalog.holds(entry)) this.checkpointer.markDirty(entry);
    await markFormat(this.io, this.dir).catch((error: unknown) => {
      // Only a guard against opening the directory with an older release; it can wait for space.
      if (!isDiskFull(error)) throw error;
      warn("no space to mark the data directory's format", {});
    });
    await this.wal.start(recovered.nextSegment);
    await this.removeOrphans(streamsDir);
    await this.state.start();
    if (this.mode !== "fsync") {
      this.syncTimer = setInterval(() => void this.periodicSync(), this.mode.intervalMs);
      this.syncTimer.unref();
    }
    return [...this.catalog.entries()].map((entry) => entry.toStored());
  }

  /** Half the process's open-file limit: the other half is left to connections and the log. */
  private async openFileBudget(): Promise<number> {
    if (this.options.maxOpenFiles !== undefined) return this.options.maxOpenFiles;
    const limit = await openFileLimit();
    return limit === undefined ? FALLBACK_OPEN_FILES : Math.max(16, Math.min(65_536, Math.floor(limit / 2)));
  }

  async create(meta: StreamMeta, first: AppendRecord | undefined): Promise<void> {
    if (this.catalog.byPath.has(meta.path) || this.creating.has(meta.path)) {
      throw new Error(`Stream already stored: ${meta.path}`);
    }
    const entry = new Entry(this.catalog.nextId++, meta);
    if (first && first.position !== entry.base) throw new Error("First record must start at the stream's base");
    entry.acceptedTail = entry.base + (first?.data.length ?? 0);
    this.creating.set(meta.path, entry);
    try {
      await this.submit(entry, { type: "create", id: entry.id, meta, first });
    } finally {
      this.creating.delete(meta.path);
    }
  }

  async append(path: string, record: AppendRecord): Promise<void> {
    const entry = this.entry(path);
    if (record.position !== entry.acceptedTail) {
      throw new Error(`Append at ${record.position} does not start at the stored tail ${entry.acceptedTail}`);
    }
    entry.acceptedTail = record.position + record.data.length;
    await this.submit(entry, { type: "append", id: entry.id, record });
  }

  async read(path: string, start: number, end: number): Promise<Uint8Array> {
    const entry = this.entry(path);
    if (start < entry.base || end > entry.tail || start > end) {
      throw new RangeError(`Read [${start}, ${end}) outside stored range [${entry.base}, ${entry.tail}) of ${path}`);
    }
    if (start === end) return new Uint8Array(0);
    return this.files.read(entry, start - entry.base, end - entry.base);
  }

  async markDeleted(path: string): Promise<void> {
    const entry = this.entry(path);
    await this.submit(entry, { type: "mark-deleted", id: entry.id });
  }

  async remove(path: string): Promise<void> {
    const entry = this.entry(path);
    await this.submit(entry, { type: "remove", id: entry.id });
    // The removal is durable: it stands whatever happens to the files now. Files that cannot
    // be deleted are orphans, deleted at the next open.
    await this.files.remove(entry.id).catch((error: unknown) => {
      this.observer?.warning?.("could not delete a removed stream's files", { path, err: String(error) });
    });
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.state.stop();
    clearInterval(this.syncTimer);
    await this.committing;
    await this.checkpointer?.running;
    if (!this.state.fatal && this.checkpointer) await this.checkpointer.take();
    await this.checkpointer?.running;
    await this.wal.close();
    await this.data?.closeAll();
    await this.lock?.release();
  }

  /**
   * Stops as a crash would, for tests and benchmarks in one process: no checkpoint, pending
   * work abandoned, files closed, and the lock released as a dead holder's counts as stale.
   */
  async simulateCrash(): Promise<void> {
    this.stopped = true;
    this.state.stop();
    clearInterval(this.syncTimer);
    // Nothing in flight is waited for (a crash would not); a file closes once its own
    // operations in flight are done.
    await this.wal.close();
    await this.data?.closeAll();
    await this.lock?.release();
  }

  observe(observer: StoreObserver): void {
    this.observer = observer;
  }

  health(): StoreHealth {
    return this.state.health;
  }

  storedBytes(): number {
    let bytes = this.wal.size;
    for (const entry of this.catalog.entries()) bytes += entry.tail - entry.base;
    return bytes;
  }

  /** Number of files currently open (for tests and metrics). */
  get openFiles(): number {
    return this.data?.openCount ?? 0;
  }

  private get files(): DataFiles {
    if (!this.data) throw new Error("The store is not open");
    return this.data;
  }

  private entry(path: string): Entry {
    const entry = this.catalog.byPath.get(path);
    if (!entry) throw new Error(`No stored stream at ${path}`);
    return entry;
  }

  private corrupted(error: StoreCorruptionError): void {
    this.state.corrupted(error);
    this.observer?.corruption?.(error);
  }

  // --- Group commit ---

  private submit(entry: Entry, record: WalRecord): Promise<void> {
    if (this.state.fatal) return Promise.reject(this.state.fatal);
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, record, failuresAtSubmit: entry.failures, resolve, reject });
      this.committing ??= this.commitLoop();
    });
  }

  private async commitLoop(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.state.fatal && !this.stopped) {
        const batch = this.queue;
        this.queue = [];
        await this.commitBatch(batch);
        if (this.checkpointer?.due && !this.stopped && !this.state.fatal) await this.checkpointer.take();
      }
    } catch (error) {
      // Only a fatal log error gets here (a failed sync while switching segments).
      this.die(error instanceof FatalStoreError ? error : new FatalStoreError("The log failed", error), []);
    } finally {
      this.committing = undefined;
    }
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    let pending = batch.filter((p) => {
      if (p.entry.failures === p.failuresAtSubmit) return true;
      p.reject(new Error("An earlier append to this stream failed"));
      return false;
    });
    // 1. Data files first: if a crash follows, their extra bytes lie past the durable tail,
    //    where nothing reads them and the next append overwrites them.
    const written = await this.writeDataFiles(pending);
    pending = written.good;
    if (written.diskFull) this.refusedForSpace(written.diskFull);
    if (pending.length === 0) return;
    // 2. One log write for the whole batch; in fsync mode the log is O_DSYNC, so when the
    //    write returns the batch is on disk (one system call per commit, for all streams).
    const started = performance.now();
    try {
      await this.wal.write(pending.map((p) => encodeRecord(p.record)));
      this.observer?.commit(pending.length, (performance.now() - started) / 1000);
    } catch (error) {
      // fsyncgate: after a failed sync the kernel may have dropped the pages; never retry.
      if (error instanceof FatalStoreError) return this.die(error, pending);
      if (isDiskFull(error)) this.refusedForSpace((error as NodeJS.ErrnoException).code!);
      for (const p of pending) this.failEntry(p.entry);
      for (const p of pending) p.reject(storeError(error));
      return;
    }
    if (this.mode !== "fsync") this.unsynced = true;
    for (const p of pending) this.applyCommitted(p);
    if (!written.diskFull) await this.state.wrote();
    for (const p of pending) p.resolve();
  }

  private refusedForSpace(code: string): void {
    this.state.diskFull = code;
    this.state.spaceShort();
  }

  /** Writes each stream's new bytes with one positional write; returns the records still good. */
  private async writeDataFiles(pending: Pending[]): Promise<{ good: Pending[]; diskFull: string | undefined }> {
    const runs = new Map<Entry, { start: number; parts: Uint8Array[] }>();
    for (const p of pending) {
      const data = recordData(p.record);
      if (!data || data.data.length === 0) continue;
      const run = runs.get(p.entry);
      if (run) run.parts.push(data.data);
      else runs.set(p.entry, { start: data.position - p.entry.base, parts: [data.data] });
    }
    if (runs.size === 0) return { good: pending, diskFull: undefined };
    const failed = new Map<Entry, unknown>();
    await Promise.all(
      [...runs].map(async ([entry, run]) => {
        try {
          await this.files.write(entry, run.start, run.parts);
        } catch (error) {
          failed.set(entry, error);
        }
      }),
    );
    if (failed.size === 0) return { good: pending, diskFull: undefined };
    const good = pending.filter((p) => {
      const error = failed.get(p.entry);
      if (error === undefined) return true;
      this.failEntry(p.entry);
      p.reject(storeError(error));
      return false;
    });
    const full = [...failed.values()].find(isDiskFull) as NodeJS.ErrnoException | undefined;
    return { good, diskFull: full?.code };
  }

  private applyCommitted(p: Pending): void {
    const { entry, record } = p;
    const checkpointer = this.checkpointer!;
    switch (record.type) {
      case "create":
        this.catalog.add(entry);
        if (record.first) this.files.addBlocks(entry, entry.apply(record.first));
        if (record.first?.data.length) checkpointer.markDirty(entry);
        break;
      case "append":
        this.files.addBlocks(entry, entry.apply(record.record));
        if (record.record.data.length > 0) checkpointer.markDirty(entry);
        break;
      case "mark-deleted":
        entry.softDeleted = true;
        break;
      case "remove":
        this.catalog.delete(entry);
        checkpointer.forget(entry);
        this.files.forget(entry);
        break;
    }
  }

  /** After a failed append, the entry's queued appends fail too and its accepted tail rewinds. */
  private failEntry(entry: Entry): void {
    entry.failures++;
    entry.acceptedTail = entry.tail;
  }

  private die(error: FatalStoreError, pending: Pending[]): void {
    for (const p of pending) p.reject(this.state.fatal ?? error);
    if (this.stopped || this.state.fatal) return;
    this.state.fatal = error;
    for (const p of this.queue) p.reject(error);
    this.queue = [];
    this.onFatal(error);
  }

  private async periodicSync(): Promise<void> {
    if (!this.unsynced || this.state.fatal) return;
    this.unsynced = false;
    try {
      await this.wal.sync();
    } catch (error) {
      this.die(new FatalStoreError("fdatasync of the log failed", error), []);
    }
  }

  /** Files of streams that no longer exist (removed just before a crash). */
  private async removeOrphans(streamsDir: string): Promise<void> {
    const live = new Set([...this.catalog.entries()].map((entry) => entry.id));
    for (const name of await this.io.readdir(streamsDir)) {
      const match = /^(\d+)\.(data|crc)$/.exec(name);
      if (match && !live.has(Number(match[1]))) {
        await this.io.unlink(join(streamsDir, name)).catch(ignoreMissing);
      }
    }
  }
}

function storeError(error: unknown): unknown {
  if (isDiskFull(error)) return new StoreFullError(undefined, { cause: error });
  if (isOutOfDescriptors(error)) return new StoreBusyError(undefined, { cause: error });
  return error;
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}

function defaultFatal(error: Error): void {
  console.error(`[rivulet] fatal storage error, stopping: ${error.message}`, error.cause ?? "");
  process.exit(70);
}
