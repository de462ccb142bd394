/**
 * Taking checkpoints (checkpoint.ts has the format). Between two commit batches the catalog is
 * snapshotted and a new log segment started; then, in the background, the data and checksum
 * files written since the last checkpoint are fsynced, the snapshot is written, and what is no
 * longer needed goes: checkpoints older than the two newest, and log segments older than the
 * older of those two (so a damaged newest checkpoint can fall back to the one before it).
 *
 * A failed fsync stops the store (fsyncgate: never retry it). Anything else that stops a
 * checkpoint (a full disk, no file descriptors) only delays it: the log keeps every change
 * until a checkpoint succeeds.
 */
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { Catalog, Entry } from "./catalog.js";
import { listCheckpoints, segmentOfName, snapshotText, writeCheckpoint } from "./checkpoint.js";
import type { DataFiles } from "./data-files.js";
import type { FileIo } from "./io.js";
import { FatalStoreError, listSegments, segmentName, type Wal } from "./wal.js";

export interface CheckpointerContext {
  readonly io: FileIo;
  readonly dir: string;
  readonly walDir: string;
  readonly wal: Wal;
  readonly catalog: Catalog;
  readonly data: DataFiles;
  /** Log bytes after which a checkpoint is due. */
  readonly everyBytes: number;
  die(error: FatalStoreError): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

/** After a checkpoint failed for a passing reason, wait this long before the next try. */
const RETRY_MS = 5_000;

export class Checkpointer {
  /** The background part of the checkpoint in progress. */
  running: Promise<void> | undefined;
  /** Streams whose data files changed since the last checkpoint. */
  private dirty = new Set<Entry>();
  private retryAt = 0;

  constructor(private readonly context: CheckpointerContext) {}

  markDirty(entry: Entry): void {
    this.dirty.add(entry);
  }

  forget(entry: Entry): void {
    this.dirty.delete(entry);
  }

  get due(): boolean {
    return this.context.wal.size >= this.context.everyBytes && !this.running && Date.now() >= this.retryAt;
  }

  /** Call between commit batches: snapshot and switch segments now, finish in the background. */
  async take(): Promise<void> {
    const { wal, catalog } = this.context;
    const segment = wal.segment + 1;
    const snapshot = snapshotText(segment, catalog.nextId, catalog.entries());
    try {
      await wal.start(segment);
    } catch (error) {
      if (error instanceof FatalStoreError) throw error;
      this.postpone("could not start a new log segment", error);
      return;
    }
    // Each stream's files are fsynced from where the last checkpoint left off to its tail now.
    const dirty = new Map([...this.dirty].map((entry) => [entry, entry.tail - entry.base]));
    this.dirty = new Set();
    this.running = this.finish(segment, snapshot, dirty).finally(() => {
      this.running = undefined;
    });
  }

  private async finish(segment: number, snapshot: string, dirty: Map<Entry, number>): Promise<void> {
    const { io, dir, catalog, data } = this.context;
    try {
      await data.flushPending();
      const held = [...dirty.keys()].filter((entry) => catalog.holds(entry));
      // Every sync settles before the outcome is decided: none may still be opening files after.
      const synced = await Promise.allSettled(
        held.map((entry) => data.sync(entry, entry.syncedTail, (handle) => fatalDatasync(io, handle))),
      );
      const failed = synced.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason);
      if (failed.length > 0) throw failed.find((e) => e instanceof FatalStoreError) ?? failed[0];
      // New data files' directory entries; a failure here leaves the log in place, so it can wait.
      await io.syncDir(data.dir);
      await writeCheckpoint(io, dir, segment, snapshot);
      for (const [entry, tail] of dirty) entry.syncedTail = Math.max(entry.syncedTail, tail);
    } catch (error) {
      if (error instanceof FatalStoreError) {
        this.context.die(error);
        return;
      }
      for (const entry of dirty.keys()) this.dirty.add(entry);
      this.postpone("could not write a checkpoint", error);
      return;
    }
    await this.prune().catch((error: unknown) =>
      this.context.warn("could not delete old log files", { err: String(error) }),
    );
  }

  private postpone(what: string, error: unknown): void {
    this.retryAt = Date.now() + RETRY_MS;
    this.context.warn(`${what}; the log keeps every change until one succeeds`, {
      err: (error as Error).message ?? String(error),
    });
  }

  /** Keeps the two newest checkpoints and the log from the older one's boundary. */
  private async prune(): Promise<void> {
    const { io, dir, walDir } = this.context;
    const [, older, ...obsolete] = await listCheckpoints(io, dir);
    for (const file of obsolete) await io.unlink(join(dir, file));
    // (The previous format's checkpoint is converted at open; should one still be here, keep the whole log.)
    const boundary = older === undefined ? 0 : (segmentOfName(older) ?? 0);
    for (const segment of await listSegments(io, walDir)) {
      if (segment < boundary) await io.unlink(join(walDir, segmentName(segment)));
    }
  }
}

/**
 * fsync of a data or checksum file: the log segments holding the same bytes are about to go,
 * and after a failed fsync the kernel may have dropped the pages, so the store must stop.
 */
async function fatalDatasync(io: FileIo, handle: FileHandle): Promise<void> {
  try {
    await io.datasync(handle);
  } catch (error) {
    throw new FatalStoreError("Could not write a checkpoint", error);
  }
}
