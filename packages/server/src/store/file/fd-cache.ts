/**
 * Open data files, least recently used first. A million streams must not mean a million
 * file descriptors: at most `max` idle files stay open; busy ones are never closed under a
 * reader or writer.
 */
import type { FileHandle } from "node:fs/promises";
import { type FileIo, READ_WRITE_CREATE } from "./io.js";

interface Slot {
  readonly opening: Promise<FileHandle>;
  users: number;
}

export class FdCache {
  private readonly slots = new Map<number, Slot>();

  constructor(
    private readonly io: FileIo,
    private readonly pathOf: (id: number) => string,
    private readonly max: number,
  ) {}

  async use<T>(id: number, work: (handle: FileHandle) => Promise<T>): Promise<T> {
    let slot = this.slots.get(id);
    if (slot) {
      this.slots.delete(id); // re-insert: Map order is our recency order
    } else {
      slot = { opening: this.io.open(this.pathOf(id), READ_WRITE_CREATE), users: 0 };
      slot.opening.catch(() => this.slots.delete(id));
    }
    this.slots.set(id, slot);
    slot.users++;
    try {
      return await work(await slot.opening);
    } finally {
      slot.users--;
      this.evict();
    }
  }

  /** Closes a stream's file (before deleting it). */
  async drop(id: number): Promise<void> {
    const slot = this.slots.get(id);
    if (!slot) return;
    this.slots.delete(id);
    await (await slot.opening).close();
  }

  async closeAll(): Promise<void> {
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(slots.map(async (slot) => (await slot.opening).close()));
  }

  get openCount(): number {
    return this.slots.size;
  }

  private evict(): void {
    if (this.slots.size <= this.max) return;
    for (const [id, slot] of this.slots) {
      if (this.slots.size <= this.max) break;
      if (slot.users > 0) continue;
      this.slots.delete(id);
      void slot.opening.then((handle) => handle.close()).catch(() => {});
    }
  }
}
