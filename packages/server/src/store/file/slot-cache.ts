/**
 * Block checksums read from checksum files, kept for the reads that follow. A reader catching
 * up asks for one chunk after another from the same segment: reading that segment's slots a
 * window at a time, instead of the few slots of each chunk on every request, saves a thread-pool
 * round trip per read (on a loaded machine the largest cost of a catch-up read after the data's
 * own). Every read still checks its blocks against these CRCs; only the reading of the slots is
 * shared.
 *
 * Only slots that passed their own check (block-crc.ts, decodeSlot) are kept, and a valid slot
 * does not change: a full block below the tail is never written again in place. Compaction
 * (a `.cpt` in place of the segment) and retention (its files deleted) forget the segment here.
 */
import type { Entry } from "./catalog.js";

/** Blocks per window: 32 MiB of data, 8 KiB of slots, read at once. */
export const WINDOW_BLOCKS = 1024;
/** Windows kept at most (~130 KiB): a few readers catching up, each in its own segment. */
const MAX_WINDOWS = 16;

interface Window {
  readonly entry: Entry;
  readonly segment: number;
  /** Block index (of the whole data file) of the window's first slot. */
  readonly first: number;
  /** CRC of each block of the window, undefined where the slot was not valid when read. */
  readonly crcs: Array<number | undefined>;
}

export class SlotCache {
  /** Least recently used first. */
  private windows: Window[] = [];

  /** The CRC of block `index` if a window holding it was read and its slot was valid. */
  get(entry: Entry, index: number): number | undefined {
    const window = this.find(entry, index);
    return window?.crcs[index - window.first];
  }

  /** Keeps a window just read: `crcs[i]` for block `first + i` of `segment`. */
  put(entry: Entry, segment: number, first: number, crcs: Array<number | undefined>): void {
    this.windows = this.windows.filter((window) => window.entry !== entry || window.first !== first);
    if (this.windows.length >= MAX_WINDOWS) this.windows.shift();
    this.windows.push({ entry, segment, first, crcs });
  }

  /** Records the CRC of a block just completed, where a window holding it is kept. */
  set(entry: Entry, index: number, crc: number): void {
    const window = this.find(entry, index);
    if (window) window.crcs[index - window.first] = crc;
  }

  /** Forgets the windows of `entry`, or only of the segments `gone` names. */
  forget(entry: Entry, gone: (segment: number) => boolean = () => true): void {
    this.windows = this.windows.filter((window) => window.entry !== entry || !gone(window.segment));
  }

  private find(entry: Entry, index: number): Window | undefined {
    for (let i = this.windows.length - 1; i >= 0; i--) {
      const window = this.windows[i]!;
      if (window.entry === entry && index >= window.first && index < window.first + window.crcs.length) {
        if (i !== this.windows.length - 1) {
          this.windows.splice(i, 1);
          this.windows.push(window);
        }
        return window;
      }
    }
    return undefined;
  }
}
