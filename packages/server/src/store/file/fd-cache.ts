/**
 * Open data files, least recently used first. A million streams must not mean a million
 * file descriptors: at most `max` files are open at once. Idle files are closed to make room;
 * when every open file is busy, new users wait for one to be released.
 */
import type { FileHandle } from "node:fs/promises";
import { type FileIo, READ_WRITE_CREATE } from "./io.js";

interface Slot {
  readonly opening: Promise<FileHandle>;
  users: number;
}

export class FdCache {
  private readonly slots = new Map<number, Slot>();
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly io: FileIo,
    private readonly pathOf: (id: number) => string,
    private readonly max: number,
  ) {}

  async use<T>(id: number, work: (handle: FileHandle) => Promise<T>): Promise<T> {
    const slot = await this.acquire(id);
    try {
      return await work(await slot.opening);
    } finally {
      slot.users--;
      this.release();
    }
  }

  /** Closes a stream's file (before deleting it). */
  async drop(id: number): Promise<void> {
    const slot = this.slots.get(id);
    if (!slot) return;
    this.slots.delete(id);
    await (await slot.opening).close();
    this.release();
  }

  async closeAll(): Promise<void> {
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(slots.map(async (slot) => (await slot.opening).close()));
  }

  get openCount(): number {
    return this.slots.size;
  }

  private async acquire(id: number): Promise<Slot> {
    for (;;) {
      const existing = this.slots.get(id);
      if (existing) {
        this.slots.delete(id); // re-insert: Map order is our recency order
        this.slots.set(id, existing);
        existing.users++;
        return existing;
      }
      if (this.slots.size < this.max || this.evictOne()) {
        const slot: Slot = { opening: this.io.open(this.pathOf(id), READ_WRITE_CREATE), users: 1 };
        slot.opening.catch(() => {
          if (this.slots.get(id) === slot) this.slots.delete(id);
        });
        this.slots.set(id, slot);
        return slot;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Closes the least recently used idle file; false when every open file is busy. */
  private evictOne(): boolean {
    for (const [id, slot] of this.slots) {
      if (slot.users > 0) continue;
      this.slots.delete(id);
      void slot.opening.then((handle) => handle.close()).catch(() => {});
      return true;
    }
    return false;
  }

  private release(): void {
    while (this.slots.size > this.max && this.evictOne()) {}
    this.waiting.shift()?.();
  }
}
