/**
 * Open files (data and checksum files), least recently used first. A million streams must
 * not mean a million file descriptors: at most `max` files are open at once. Idle files are
 * closed to make room; when every open file is busy, new users wait for one to be released.
 *
 * Running out of descriptors anyway (EMFILE/ENFILE: connections use them too) never fails
 * for good: idle files are closed and the open retried; with none to close, the caller gets a
 * StoreBusyError (503 with Retry-After). The shortage lasts (and readiness says so) until an
 * open succeeds without meeting the limit.
 */
import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { StoreBusyError } from "../errors.js";
import { type FileIo, READ_WRITE_CREATE } from "./io.js";

interface Slot {
  readonly opening: Promise<FileHandle>;
  users: number;
  /** Retired (its file was deleted): closed once its last user is done. */
  retired?: boolean;
}

export interface FdCacheEvents {
  /** An open failed for want of descriptors (whether or not a retry then succeeded). */
  exhausted(error: StoreBusyError): void;
}

/**
 * Idle files closed per retry when the process is out of descriptors: one, so that while the
 * limit lasts every open meets it, and the shortage stays visible until it is over.
 */
const EVICT_ON_SHORTAGE = 1;
const OPEN_ATTEMPTS = 4;

export class FdCache {
  private readonly slots = new Map<string, Slot>();
  private readonly waiting: Array<() => void> = [];
  /** Set by closeAll: nothing opens after it. */
  private closed = false;
  /** Set when an open meets the descriptor limit; cleared by an open that does not. */
  shortage: StoreBusyError | undefined;

  constructor(
    private readonly io: FileIo,
    private readonly max: number,
    private readonly events: FdCacheEvents = { exhausted: () => {} },
  ) {}

  /**
   * Runs `work` on the file at `path`, opened (and created, unless `create` is false: a file
   * that should already exist, where ENOENT means it is gone) if it is not open yet.
   */
  async use<T>(path: string, work: (handle: FileHandle) => Promise<T>, create = true): Promise<T> {
    const slot = await this.acquire(path, create);
    try {
      return await work(await slot.opening);
    } finally {
      slot.users--;
      if (slot.retired && slot.users === 0) await closeSlot(slot).catch(() => {});
      this.release();
    }
  }

  /**
   * Forgets a file about to be deleted: new users open it afresh, and the handle closes once
   * the reads and writes using it now are done (a deleted file stays readable through a handle
   * still open on it).
   */
  retire(path: string): void {
    const slot = this.slots.get(path);
    if (!slot) return;
    this.slots.delete(path);
    slot.retired = true;
    if (slot.users === 0) void closeSlot(slot).catch(() => {});
    this.release();
  }

  /** Closes a file (before deleting it). */
  async drop(path: string): Promise<void> {
    const slot = this.slots.get(path);
    if (!slot) return;
    this.slots.delete(path);
    await closeSlot(slot);
    this.release();
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(slots.map(closeSlot));
  }

  get openCount(): number {
    return this.slots.size;
  }

  private async acquire(path: string, create: boolean): Promise<Slot> {
    for (;;) {
      const existing = this.slots.get(path);
      if (existing) {
        this.slots.delete(path); // re-insert: Map order is our recency order
        this.slots.set(path, existing);
        existing.users++;
        return existing;
      }
      if (this.closed) throw new Error("The store's files are closed");
      const room = this.slots.size < this.max ? [] : this.evictIdle(1);
      if (this.slots.size < this.max) {
        // A file closed to make room is closed before this one opens: never more than `max` open.
        const opening =
          room.length > 0 ? Promise.all(room).then(() => this.open(path, create)) : this.open(path, create);
        const slot: Slot = { opening, users: 1 };
        slot.opening.catch(() => {
          if (this.slots.get(path) === slot) this.slots.delete(path);
        });
        this.slots.set(path, slot);
        return slot;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private async open(path: string, create: boolean): Promise<FileHandle> {
    for (let attempt = 1; ; attempt++) {
      try {
        const handle = await this.io.open(path, create ? READ_WRITE_CREATE : constants.O_RDWR);
        if (attempt === 1) this.shortage = undefined;
        return handle;
      } catch (error) {
        if (!isOutOfDescriptors(error)) throw error;
        const busy = new StoreBusyError(`Out of file descriptors opening ${path}`, { cause: error });
        this.shortage = busy;
        this.events.exhausted(busy);
        const closing = this.evictIdle(EVICT_ON_SHORTAGE);
        if (closing.length === 0 || attempt === OPEN_ATTEMPTS) throw busy;
        await Promise.all(closing);
      }
    }
  }

  /** Closes up to `count` least recently used idle files; returns their closes. */
  private evictIdle(count: number): Promise<void>[] {
    const closing: Promise<void>[] = [];
    for (const [path, slot] of this.slots) {
      if (closing.length >= count) break;
      if (slot.users > 0) continue;
      this.slots.delete(path);
      closing.push(closeSlot(slot).catch(() => {}));
    }
    return closing;
  }

  private release(): void {
    while (this.slots.size > this.max && this.evictIdle(1).length > 0) {}
    this.waiting.shift()?.();
  }
}

async function closeSlot(slot: Slot): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await slot.opening;
  } catch {
    return; // never opened: nothing to close
  }
  await handle.close();
}

export function isOutOfDescriptors(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EMFILE" || code === "ENFILE";
}
