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
 * Group commit, recovery, checkpoints, data files, the lock and readiness live in their own
 * modules; this one opens and closes the store and ties them together.
 */
import { join } from "node:path";
import type { Retention } from "@rivulet/protocol";
import type { Span } from "../compacted-unit.js";
import { StoreConflictError, type StoreCorruptionError, StoreMissingError } from "../errors.js";
import { compactMeta } from "../stream-meta.js";
import type {
  AppendRecord,
  AtomicPart,
  IndexEntry,
  IndexKey,
  ListQuery,
  Store,
  StoredStream,
  StoreHealth,
  StoreObserver,
  StreamMeta,
} from "../types.js";
import { Catalog, type Entry } from "./catalog.js";
import { markFormat } from "./checkpoint.js";
import { Checkpointer } from "./checkpointer.js";
import { DataFiles } from "./data-files.js";
import { GroupCommit, type UnitPart } from "./group-commit.js";
import { StoreHealthState } from "./health.js";
import { openFileLimit } from "./host.js";
import { IndexFences, needsFences } from "./index-fences.js";
import { seekEntries } from "./index-files.js";
import { type FileIo, isDiskFull, nodeIo } from "./io.js";
import { type DirLock, lockDataDir } from "./lock.js";
import { recover } from "./recovery.js";
import { DEFAULT_SEGMENT_BYTES, parseSegmentFileName, segmentEnd, segmentOf, segmentStart } from "./segments.js";
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
  /**
   * Bytes per segment of a new stream's files (default 64 MiB, a multiple of 32 KiB):
   * retention frees disk in whole segments. Streams keep the size they were created with.
   */
  readonly segmentBytes?: number;
  /** Below this much free disk space the store reports not ready (default 16 MiB). */
  readonly minFreeBytes?: number;
  /** How often free disk space is checked (default 5 s). */
  readonly spaceCheckMs?: number;
  /** Called when durability can no longer be guaranteed; the default stops the process. */
  readonly onFatal?: (error: Error) => void;
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
  private readonly catalog: Catalog;
  private readonly creating = new Map<string, Entry>();
  /** Compactions of each stream run one at a time. */
  private readonly compacting = new Map<Entry, Promise<number>>();
  private readonly wal: Wal;
  private data: DataFiles | undefined;
  private checkpointer: Checkpointer | undefined;
  private readonly state: StoreHealthState;
  private lock: DirLock | undefined;
  private commits: GroupCommit | undefined;
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
    this.catalog = new Catalog(options.segmentBytes ?? DEFAULT_SEGMENT_BYTES);
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

  async open(): Promise<void> {
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

  private async openLocked(): Promise<void> {
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
      now: Date.now(),
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
      die: (error) => this.commit.die(error),
      warn,
    });
    this.commits = new GroupCommit({
      wal: this.wal,
      files: data,
      catalog: this.catalog,
      checkpointer: this.checkpointer,
      state: this.state,
      observer: () => this.observer,
      wroteUnsynced: () => {
        if (this.mode !== "fsync") this.unsynced = true;
      },
      fatal: (error) => {
        this.state.fatal = error;
        this.onFatal(error);
      },
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
    if (recovered.upgraded.length > 0) {
      // The indexes built for streams of a previous format are made durable at once, so their
      // seqs and times never change again (docs/storage.md, "Upgrading").
      for (const entry of recovered.upgraded) this.checkpointer.markDirty(entry);
      await this.checkpointer.take();
      await this.checkpointer.running;
    }
    await this.removeOrphans(streamsDir);
    await this.state.start();
    if (this.mode !== "fsync") {
      this.syncTimer = setInterval(() => void this.periodicSync(), this.mode.intervalMs);
      this.syncTimer.unref();
    }
  }

  /** Half the process's open-file limit: the other half is left to connections and the log. */
  private async openFileBudget(): Promise<number> {
    if (this.options.maxOpenFiles !== undefined) return this.options.maxOpenFiles;
    const limit = await openFileLimit();
    return limit === undefined ? FALLBACK_OPEN_FILES : Math.max(16, Math.min(65_536, Math.floor(limit / 2)));
  }

  async lookup(path: string): Promise<StoredStream | undefined> {
    const entry = this.catalog.byPath.get(path);
    return entry && this.catalog.stored(entry);
  }

  async list({ prefix, after, limit }: ListQuery): Promise<StoredStream[]> {
    return this.catalog.page(prefix, after, limit).map((entry) => this.catalog.stored(entry));
  }

  async forksOf(path: string): Promise<StoredStream[]> {
    const forks: StoredStream[] = [];
    for (const fork of this.catalog.forks.pathsOf(path)) {
      const entry = this.catalog.byPath.get(fork);
      if (entry) forks.push(this.catalog.stored(entry));
    }
    return forks;
  }

  async withLifetime(): Promise<StoredStream[]> {
    const found: StoredStream[] = [];
    for (const entry of this.catalog.entries()) {
      const { ttlSeconds, expiresAt } = entry.meta.lifetime;
      if (ttlSeconds !== undefined || expiresAt !== undefined) found.push(this.catalog.stored(entry));
    }
    return found;
  }

  count(): number {
    return this.catalog.byPath.size;
  }

  async create(meta: StreamMeta, first: AppendRecord | undefined): Promise<void> {
    if (this.catalog.byPath.has(meta.path) || this.creating.has(meta.path)) {
      throw new StoreConflictError(meta.path, "exists", `Stream already stored: ${meta.path}`);
    }
    // Kept for the stream's life: in the compact form, whatever form it was given in.
    const entry = this.catalog.entryFor(this.catalog.nextId++, compactMeta(meta));
    if (first && first.position !== entry.base) throw new Error("First record must start at the stream's base");
    const placed = first ? entry.accept(first) : [];
    this.creating.set(meta.path, entry);
    try {
      await this.commit.submit(entry, { type: "create", id: entry.id, meta, first }, placed);
    } finally {
      this.creating.delete(meta.path);
    }
  }

  async append(path: string, record: AppendRecord): Promise<void> {
    const entry = this.entry(path);
    if (record.position !== entry.acceptedTail) {
      throw new StoreConflictError(
        path,
        "position",
        `Append at ${record.position} does not start at the stored tail ${entry.acceptedTail}`,
      );
    }
    const placed = entry.accept(record);
    await this.commit.submit(entry, { type: "append", id: entry.id, record }, placed);
  }

  async appendAtomic(parts: readonly AtomicPart[]): Promise<void> {
    // Every part is checked before any is accepted: a refused unit changes nothing.
    const tails = new Map<Entry, number>();
    const entries = parts.map(({ path, record }) => {
      const entry = this.entry(path);
      const tail = tails.get(entry) ?? entry.acceptedTail;
      if (record.position !== tail) {
        throw new StoreConflictError(
          path,
          "position",
          `Append at ${record.position} does not start at the stored tail ${tail}`,
        );
      }
      tails.set(entry, record.position + record.data.length);
      return entry;
    });
    const units: UnitPart[] = entries.map((entry, i) => {
      const record = parts[i]!.record;
      return { entry, record: { type: "append", id: entry.id, record }, placed: entry.accept(record) };
    });
    // One log batch: recovery keeps all of it or cuts all of it (group-commit.ts).
    await this.commit.submitAtomic(units);
  }

  async read(path: string, start: number, end: number): Promise<Uint8Array> {
    const entry = this.entry(path);
    if (start < entry.base || end > entry.tail || start > end) {
      throw new RangeError(`Read [${start}, ${end}) outside stored range [${entry.base}, ${entry.tail}) of ${path}`);
    }
    if (start === end) return new Uint8Array(0);
    return this.files.read(entry, start - entry.base, end - entry.base);
  }

  readAhead(path: string, start: number, end: number): void {
    const entry = this.catalog.byPath.get(path);
    if (entry && start >= entry.base) this.files.readAhead(entry, start - entry.base, end - entry.base);
  }

  async seek(path: string, key: IndexKey, limit: number): Promise<IndexEntry[]> {
    const entry = this.entry(path);
    const counts = entry.counts.copy();
    const earliest = entry.earliest;
    const read = (segment: number, from: number, count: number) => this.files.readIndex(entry, segment, from, count);
    if (!entry.fences && needsFences(counts)) entry.fences = new IndexFences();
    const source = entry.fences ? { read, fences: entry.fences } : { read };
    const from = (at: IndexKey, n: number) => seekEntries(entry.layout, entry.base, counts, source, at, n);
    // Entries below the earliest position (a trim inside a segment) are never answered: the
    // search starts there instead, and times never decrease, so the answer is the same.
    const start = "position" in key ? { position: Math.max(key.position, earliest) } : key;
    let found = await from(start, limit + 1);
    if (found[0] !== undefined && found[0].position < earliest) {
      found = found.filter((e) => e.position >= earliest);
      if (found.length === 0 && "ts" in key)
        found = (await from({ position: earliest }, limit + 1)).filter((e) => e.position >= earliest);
    }
    return found.slice(0, limit);
  }

  async headUnits(path: string, limit: number): Promise<number[]> {
    const entry = this.entry(path);
    const ends: number[] = [];
    for (
      let segment = segmentOf(entry.layout, Math.max(0, entry.earliest - entry.base));
      ends.length < limit;
      segment++
    ) {
      const end = entry.base + segmentEnd(entry.layout, segment);
      if (end > entry.tail) break;
      ends.push(end);
    }
    return ends;
  }

  async trim(path: string, earliest: number): Promise<void> {
    const entry = this.entry(path);
    if (earliest < entry.earliest || earliest > entry.tail) {
      throw new RangeError(`Trim of ${path} to ${earliest} outside [${entry.earliest}, ${entry.tail}]`);
    }
    const before = entry.segments().first;
    await this.commit.submit(entry, { type: "trim", id: entry.id, earliest });
    // The trim is durable: the freed segments' files can go (any left by a crash go at the next open).
    const freed: number[] = [];
    for (let segment = before; segment < entry.segments().first; segment++) freed.push(segment);
    await this.files.dropSegments(entry, freed).catch((error: unknown) => {
      this.observer?.warning?.("could not delete a trimmed stream's segments", { path, err: String(error) });
    });
  }

  async compactUnit(path: string, unitEnd: number, removed: readonly Span[]): Promise<number> {
    const entry = this.entry(path);
    const end = unitEnd - entry.base;
    const segment = segmentOf(entry.layout, end - 1);
    if (end <= 0 || segmentEnd(entry.layout, segment) !== end || unitEnd > entry.tail) {
      throw new RangeError(`${unitEnd} is not the end of a whole segment of ${path}`);
    }
    // Only bytes durable in the log are rewritten: in interval mode, those a checkpoint made durable.
    const durable = this.mode === "fsync" ? entry.tail - entry.base : entry.syncedTail;
    if (end > durable || segmentStart(entry.layout, segment) < entry.earliest - entry.base) return 0;
    const previous = this.compacting.get(entry) ?? Promise.resolve(0);
    const next = previous.catch(() => 0).then(() => this.files.compact(entry, segment, removed));
    this.compacting.set(entry, next);
    try {
      return await next;
    } finally {
      if (this.compacting.get(entry) === next) this.compacting.delete(entry);
    }
  }

  async configure(path: string, retention: Retention): Promise<void> {
    const entry = this.entry(path);
    await this.commit.submit(entry, { type: "configure", id: entry.id, retention });
  }

  async markDeleted(path: string): Promise<void> {
    const entry = this.entry(path);
    await this.commit.submit(entry, { type: "mark-deleted", id: entry.id });
  }

  async remove(path: string): Promise<void> {
    const entry = this.entry(path);
    await this.commit.submit(entry, { type: "remove", id: entry.id });
    // The removal is durable: it stands whatever happens to the files now. Files that cannot
    // be deleted are orphans, deleted at the next open.
    await this.files.remove(entry).catch((error: unknown) => {
      this.observer?.warning?.("could not delete a removed stream's files", { path, err: String(error) });
    });
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.state.stop();
    clearInterval(this.syncTimer);
    await this.commits?.idle();
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
    if (this.commits) this.commits.stopped = true;
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
    for (const entry of this.catalog.entries()) {
      bytes += entry.tail - Math.max(entry.base, entry.earliest);
      for (const freed of entry.compacted?.values() ?? []) bytes -= freed;
    }
    return bytes;
  }

  /** Number of files currently open (for tests and metrics). */
  get openFiles(): number {
    return this.data?.openCount ?? 0;
  }

  private get commit(): GroupCommit {
    if (!this.commits) throw new Error("The store is not open");
    return this.commits;
  }

  private get files(): DataFiles {
    if (!this.data) throw new Error("The store is not open");
    return this.data;
  }

  private entry(path: string): Entry {
    const entry = this.catalog.byPath.get(path);
    if (!entry) throw new StoreMissingError(path);
    return entry;
  }

  private corrupted(error: StoreCorruptionError): void {
    this.state.corrupted(error);
    this.observer?.corruption?.(error);
  }

  private async periodicSync(): Promise<void> {
    if (!this.unsynced || this.state.fatal) return;
    this.unsynced = false;
    try {
      await this.wal.sync();
    } catch (error) {
      this.commit.die(new FatalStoreError("fdatasync of the log failed", error));
    }
  }

  /**
   * Files nothing reads: of streams that no longer exist (removed just before a crash), of
   * segments a trim freed just before a crash, of segments past the tail that an append the
   * crash interrupted started, and compacted files being written. A segment's `.cpt` stands for
   * it (its data and checksum files go, whether recovery rewrote them or a crash kept them).
   */
  private async removeOrphans(streamsDir: string): Promise<void> {
    const live = new Map([...this.catalog.entries()].map((entry) => [entry.id, entry]));
    const names = await this.io.readdir(streamsDir);
    const others: string[] = [];
    for (const name of names) {
      const file = parseSegmentFileName(name);
      if (!file) continue;
      if (file.kind !== "cpt") {
        others.push(name);
        continue;
      }
      const entry = live.get(file.id);
      if (entry && isLiveSegment(entry, file.start) && isWholeSegment(entry, file.start)) {
        await this.files.adoptCompacted(entry, segmentOf(entry.layout, file.start));
      } else {
        await this.files.unlinkName(name);
      }
    }
    for (const name of others) {
      const file = parseSegmentFileName(name)!;
      const entry = live.get(file.id);
      if (entry && file.kind !== "tmp" && isLiveSegment(entry, file.start)) continue;
      await this.files.unlinkName(name);
    }
  }
}

/** Whether the segment starting at `start` ends at or before the stream's tail. */
function isWholeSegment(entry: Entry, start: number): boolean {
  return segmentEnd(entry.layout, segmentOf(entry.layout, start)) <= entry.tail - entry.base;
}

function isLiveSegment(entry: Entry, start: number): boolean {
  const segment = segmentOf(entry.layout, start);
  const { first, last } = entry.segments();
  return segmentStart(entry.layout, segment) === start && segment >= first && segment <= last;
}

function defaultFatal(error: Error): void {
  console.error(`[rivulet] fatal storage error, stopping: ${error.message}`, error.cause ?? "");
  process.exit(70);
}
