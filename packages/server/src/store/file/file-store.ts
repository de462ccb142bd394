/**
 * The durable file store (docs/storage.md has the design, format and guarantees).
 *
 * - Every change is a checksummed record in the write-ahead log; an append's data, producer
 *   state, Stream-Seq and closure are one record.
 * - Group commit: records arriving while a commit runs share the next one, which is one log
 *   write and one fdatasync for all streams together.
 * - Each stream's bytes are also kept, in wire format, in its own data file, so a read is one
 *   positional read. Data files are fsynced only at checkpoints; until then the log holds
 *   the data and recovery rewrites it.
 */
import { join } from "node:path";
import type { AppendRecord, Store, StoredStream, StoreHealth, StoreObserver, StreamMeta } from "../types.js";
import { StoreFullError } from "../types.js";
import { Catalog, Entry } from "./catalog.js";
import { readCheckpoint, snapshotLines, writeCheckpoint } from "./checkpoint.js";
import { encodeRecord, type WalRecord } from "./codec.js";
import { FdCache } from "./fd-cache.js";
import { type FileIo, isDiskFull, nodeIo, readFully, writeFully } from "./io.js";
import { FatalStoreError, listSegments, replaySegments, segmentName, Wal } from "./wal.js";

export type Durability = "fsync" | { readonly intervalMs: number };

export interface FileStoreOptions {
  readonly dir: string;
  /** `fsync` (default): fdatasync before every acknowledgement. Or fsync on an interval. */
  readonly durability?: Durability;
  /** Filesystem calls; tests inject faults here. */
  readonly io?: FileIo;
  /** Idle data files kept open (default 512). */
  readonly maxOpenFiles?: number;
  /** Log bytes after which a checkpoint is taken (default 64 MiB). */
  readonly checkpointBytes?: number;
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

export class FileStore implements Store {
  readonly description: string;
  readonly durability: string;
  private readonly io: FileIo;
  private readonly dir: string;
  private readonly walDir: string;
  private readonly streamsDir: string;
  private readonly mode: Durability;
  private readonly checkpointBytes: number;
  private readonly onFatal: (error: Error) => void;
  private readonly catalog = new Catalog();
  private readonly creating = new Map<string, Entry>();
  private readonly wal: Wal;
  private readonly files: FdCache;
  private queue: Pending[] = [];
  private committing: Promise<void> | undefined;
  private dirty = new Set<Entry>();
  private checkpointing: Promise<void> | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private unsynced = false;
  private fatal: Error | undefined;
  /** Set by a write refused for lack of space, cleared by the next successful commit. */
  private diskFull = false;
  private observer: StoreObserver | undefined;

  constructor(options: FileStoreOptions) {
    this.io = options.io ?? nodeIo;
    this.dir = options.dir;
    this.walDir = join(options.dir, "wal");
    this.streamsDir = join(options.dir, "streams");
    this.mode = options.durability ?? "fsync";
    this.checkpointBytes = options.checkpointBytes ?? 64 << 20;
    this.onFatal = options.onFatal ?? defaultFatal;
    this.wal = new Wal(this.io, this.walDir, this.mode === "fsync");
    this.files = new FdCache(this.io, (id) => this.dataPath(id), options.maxOpenFiles ?? 512);
    this.description = `file:${options.dir}`;
    this.durability =
      this.mode === "fsync"
        ? "fsync before every acknowledgement (group commit)"
        : `fsync every ${this.mode.intervalMs} ms (an OS crash can lose the last ${this.mode.intervalMs} ms of acknowledged appends; a process crash loses nothing)`;
  }

  async open(): Promise<StoredStream[]> {
    for (const dir of [this.dir, this.walDir, this.streamsDir]) await this.io.mkdir(dir);
    await this.recover();
    if (this.mode !== "fsync") {
      this.syncTimer = setInterval(() => void this.periodicSync(), this.mode.intervalMs);
      this.syncTimer.unref();
    }
    return [...this.catalog.entries()].map((entry) => entry.toStored());
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
    return this.files.use(entry.id, (handle) => readFully(this.io, handle, end - start, start - entry.base));
  }

  async markDeleted(path: string): Promise<void> {
    const entry = this.entry(path);
    await this.submit(entry, { type: "mark-deleted", id: entry.id });
  }

  async remove(path: string): Promise<void> {
    const entry = this.entry(path);
    await this.submit(entry, { type: "remove", id: entry.id });
    // Only once the removal is durable may the data go; a crash in between leaves an
    // orphan file that recovery deletes.
    await this.files.drop(entry.id);
    await this.io.unlink(this.dataPath(entry.id)).catch(ignoreMissing);
  }

  async close(): Promise<void> {
    clearInterval(this.syncTimer);
    await this.committing;
    await this.checkpointing;
    if (!this.fatal) await this.checkpoint();
    await this.checkpointing;
    await this.wal.close();
    await this.files.closeAll();
  }

  observe(observer: StoreObserver): void {
    this.observer = observer;
  }

  health(): StoreHealth {
    if (this.fatal) return { writable: false, detail: this.fatal.message };
    if (this.diskFull) return { writable: false, detail: "the disk is full" };
    return { writable: true };
  }

  storedBytes(): number {
    let bytes = this.wal.size;
    for (const entry of this.catalog.entries()) bytes += entry.tail - entry.base;
    return bytes;
  }

  /** Number of data files currently open (for tests and metrics). */
  get openFiles(): number {
    return this.files.openCount;
  }

  private entry(path: string): Entry {
    const entry = this.catalog.byPath.get(path);
    if (!entry) throw new Error(`No stored stream at ${path}`);
    return entry;
  }

  private dataPath(id: number): string {
    return join(this.streamsDir, `${id}.data`);
  }

  // --- Group commit ---

  private submit(entry: Entry, record: WalRecord): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, record, failuresAtSubmit: entry.failures, resolve, reject });
      this.committing ??= this.commitLoop();
    });
  }

  private async commitLoop(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.fatal) {
        const batch = this.queue;
        this.queue = [];
        await this.commitBatch(batch);
        if (this.wal.size >= this.checkpointBytes && !this.checkpointing) await this.checkpoint();
      }
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
    if (pending.length === 0) {
      this.diskFull ||= written.diskFull;
      return;
    }
    // 2. One log write for the whole batch; in fsync mode the log is O_DSYNC, so when the
    //    write returns the batch is on disk (one system call per commit, for all streams).
    const started = performance.now();
    try {
      await this.wal.write(pending.flatMap((p) => encodeRecord(p.record)));
      this.observer?.commit(pending.length, (performance.now() - started) / 1000);
      this.diskFull = written.diskFull;
    } catch (error) {
      // fsyncgate: after a failed sync the kernel may have dropped the pages; never retry.
      if (error instanceof FatalStoreError) return this.die(error, pending);
      this.diskFull = isDiskFull(error);
      for (const p of pending) this.failEntry(p.entry);
      for (const p of pending) p.reject(storeError(error));
      return;
    }
    if (this.mode !== "fsync") this.unsynced = true;
    for (const p of pending) this.applyCommitted(p);
    for (const p of pending) p.resolve();
  }

  /** Writes each stream's new bytes with one positional write; returns the records still good. */
  private async writeDataFiles(pending: Pending[]): Promise<{ good: Pending[]; diskFull: boolean }> {
    const runs = new Map<Entry, { start: number; parts: Uint8Array[] }>();
    for (const p of pending) {
      const data = recordData(p.record);
      if (!data || data.data.length === 0) continue;
      const run = runs.get(p.entry);
      if (run) run.parts.push(data.data);
      else runs.set(p.entry, { start: data.position - p.entry.base, parts: [data.data] });
    }
    if (runs.size === 0) return { good: pending, diskFull: false };
    const failed = new Map<Entry, unknown>();
    await Promise.all(
      [...runs].map(async ([entry, run]) => {
        try {
          await this.files.use(entry.id, (handle) => writeFully(this.io, handle, run.parts, run.start));
        } catch (error) {
          failed.set(entry, error);
        }
      }),
    );
    if (failed.size === 0) return { good: pending, diskFull: false };
    const good = pending.filter((p) => {
      const error = failed.get(p.entry);
      if (error === undefined) return true;
      this.failEntry(p.entry);
      p.reject(storeError(error));
      return false;
    });
    return { good, diskFull: [...failed.values()].some(isDiskFull) };
  }

  private applyCommitted(p: Pending): void {
    const { entry, record } = p;
    switch (record.type) {
      case "create":
        this.catalog.add(entry);
        if (record.first) entry.apply(record.first);
        if (record.first?.data.length) this.dirty.add(entry);
        break;
      case "append":
        entry.apply(record.record);
        if (record.record.data.length > 0) this.dirty.add(entry);
        break;
      case "mark-deleted":
        entry.softDeleted = true;
        break;
      case "remove":
        this.catalog.delete(entry);
        this.dirty.delete(entry);
        break;
    }
  }

  /** After a failed append, the entry's queued appends fail too and its accepted tail rewinds. */
  private failEntry(entry: Entry): void {
    entry.failures++;
    entry.acceptedTail = entry.tail;
  }

  private die(error: FatalStoreError, pending: Pending[]): void {
    this.fatal = error;
    for (const p of [...pending, ...this.queue]) p.reject(error);
    this.queue = [];
    this.onFatal(error);
  }

  private async periodicSync(): Promise<void> {
    if (!this.unsynced || this.fatal) return;
    this.unsynced = false;
    try {
      await this.wal.sync();
    } catch (error) {
      this.die(new FatalStoreError("fdatasync of the log failed", error), []);
    }
  }

  // --- Checkpoints ---

  /**
   * Called between batches: snapshot the catalog, switch to a new log segment, then in the
   * background fsync the data files written since the last checkpoint, write the snapshot,
   * and delete the log segments it covers.
   */
  private async checkpoint(): Promise<void> {
    const segment = this.wal.segment + 1;
    const snapshot = snapshotLines(segment, this.catalog.nextId, this.catalog.entries());
    const dirty = this.dirty;
    this.dirty = new Set();
    await this.wal.start(segment);
    this.checkpointing = this.finishCheckpoint(segment, snapshot, dirty).finally(() => {
      this.checkpointing = undefined;
    });
  }

  private async finishCheckpoint(segment: number, snapshot: string, dirty: Set<Entry>): Promise<void> {
    try {
      await Promise.all(
        [...dirty]
          .filter((entry) => this.catalog.holds(entry))
          .map((entry) => this.files.use(entry.id, (handle) => this.io.datasync(handle))),
      );
      await this.io.syncDir(this.streamsDir);
      await writeCheckpoint(this.io, this.dir, snapshot);
    } catch (error) {
      this.die(new FatalStoreError("Could not write a checkpoint", error), []);
      return;
    }
    for (const old of await listSegments(this.io, this.walDir)) {
      if (old < segment) await this.io.unlink(join(this.walDir, segmentName(old))).catch(ignoreMissing);
    }
  }

  // --- Recovery ---

  private async recover(): Promise<void> {
    const checkpoint = await readCheckpoint(this.io, this.dir);
    for (const entry of checkpoint?.entries ?? []) this.catalog.add(entry);
    if (checkpoint) this.catalog.nextId = Math.max(this.catalog.nextId, checkpoint.nextId);
    const first = checkpoint?.segment ?? 0;

    const writer = new ReplayWriter((entry, start, parts) =>
      this.files.use(entry.id, (handle) => writeFully(this.io, handle, parts, start)),
    );
    this.catalog.beginReplay();
    const { last } = await replaySegments(this.io, this.walDir, first, async (record) => {
      const entry = this.catalog.replay(record);
      const data = recordData(record);
      if (entry && data && data.data.length > 0) await writer.add(entry, data.position - entry.base, data.data);
      if (record.type === "remove") writer.forget(record.id);
    });
    const replayed = await writer.flush();
    this.catalog.endReplay();

    // The replayed data is in the data files' page cache, not yet on disk; the log segments
    // that hold it stay until the next checkpoint has fsynced those files. Recovery itself
    // fsyncs nothing per stream, so restart time does not grow with the number of streams.
    for (const entry of replayed) if (this.catalog.holds(entry)) this.dirty.add(entry);
    for (const old of await listSegments(this.io, this.walDir)) {
      if (old < first) await this.io.unlink(join(this.walDir, segmentName(old)));
    }
    await this.wal.start(Math.max(first, last + 1));
    await this.removeOrphans();
  }

  /** Data files of streams that no longer exist (removed just before a crash). */
  private async removeOrphans(): Promise<void> {
    const live = new Set([...this.catalog.entries()].map((entry) => entry.id));
    for (const name of await this.io.readdir(this.streamsDir)) {
      const match = /^(\d+)\.data$/.exec(name);
      if (match && !live.has(Number(match[1]))) {
        await this.io.unlink(join(this.streamsDir, name)).catch(ignoreMissing);
      }
    }
  }
}

/** Batches replayed data per stream into contiguous runs, one write each. */
class ReplayWriter {
  private readonly runs = new Map<number, { entry: Entry; start: number; parts: Uint8Array[]; end: number }>();
  private readonly touched = new Set<Entry>();

  constructor(private readonly write: (entry: Entry, start: number, parts: Uint8Array[]) => Promise<void>) {}

  async add(entry: Entry, start: number, data: Uint8Array): Promise<void> {
    const run = this.runs.get(entry.id);
    if (run && run.entry === entry && run.end === start) {
      run.parts.push(data);
      run.end += data.length;
      return;
    }
    if (run) await this.flushRun(run.entry.id);
    this.runs.set(entry.id, { entry, start, parts: [data], end: start + data.length });
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
    await this.write(run.entry, run.start, run.parts);
    this.touched.add(run.entry);
  }
}

function recordData(record: WalRecord): AppendRecord | undefined {
  if (record.type === "append") return record.record;
  if (record.type === "create") return record.first;
  return undefined;
}

function storeError(error: unknown): unknown {
  return isDiskFull(error) ? new StoreFullError(undefined, { cause: error }) : error;
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}

function defaultFatal(error: Error): void {
  console.error(`[rivulet] fatal storage error, stopping: ${error.message}`, error.cause ?? "");
  process.exit(70);
}
