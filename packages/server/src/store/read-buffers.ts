/**
 * Buffers for catch-up reads, used again and again. A fresh 1 MiB buffer per read costs a
 * large allocation whose pages the kernel must fault in and zero, and work for the garbage
 * collector to find it again; a server answering catch-up reads back to back spends more on
 * that than on the read itself. A reply gives its buffers back once the socket has taken
 * every byte of them (the GET handler's `sent`); a buffer nobody gives back is simply
 * collected, so a reader that keeps what it read (compaction, a repair) needs to do nothing.
 *
 * Only large reads are pooled. A live reader woken by an append reads a few bytes; lending it a
 * whole 1 MiB buffer made every wake of a thousand long-poll readers allocate (and zero) a
 * gigabyte once the few idle buffers were out, and long-poll fan-out several times slower.
 */

/** A default-size chunk (1 MiB) widened to whole 32 KiB checksum blocks at both ends fits. */
export const READ_BUFFER_BYTES = (1 << 20) + (64 << 10);
/** Idle buffers kept at most (9 MiB): enough for the replies in flight of a few readers. */
const MAX_IDLE = 8;
/** Reads shorter than this get a buffer of their own size (small ones from Node's shared slab). */
export const POOLED_READ_MIN_BYTES = 64 << 10;

const idle: ArrayBuffer[] = [];
/** Buffers lent out and not yet given back; weak, so one never given back costs nothing. */
const lent = new WeakSet<ArrayBuffer>();

/**
 * A buffer of `length` bytes (≤ READ_BUFFER_BYTES) for a read, its contents stale: from the pool
 * when the read is large enough to be worth it, else a fresh one that giving back ignores.
 */
export function takeReadBuffer(length: number): Buffer {
  if (length > READ_BUFFER_BYTES) throw new RangeError(`A pooled read holds at most ${READ_BUFFER_BYTES} bytes`);
  if (length < POOLED_READ_MIN_BYTES) return Buffer.allocUnsafe(length);
  // allocUnsafeSlow: a buffer of its own, not zero-filled (every byte is read into before use).
  const memory = idle.pop() ?? (Buffer.allocUnsafeSlow(READ_BUFFER_BYTES).buffer as ArrayBuffer);
  lent.add(memory);
  return Buffer.from(memory, 0, length);
}

/**
 * Gives back the pooled buffers under `parts` (pieces of one reply's body; any may be a view
 * of a pooled buffer, several may share one). Only call once nothing will read them again.
 */
export function releaseReadBuffers(parts: readonly Uint8Array[]): void {
  for (const part of parts) {
    const memory = part.buffer;
    if (!(memory instanceof ArrayBuffer) || !lent.has(memory)) continue;
    lent.delete(memory);
    if (idle.length < MAX_IDLE) idle.push(memory);
  }
}
