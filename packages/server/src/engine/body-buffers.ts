/**
 * Buffers for response bodies built per request (the records view), reused once the transport
 * has written them. A records catch-up builds a body of about twice a chunk per request; a
 * fresh buffer that size each time counts toward V8's external-memory limit and brought a
 * full garbage collection every few requests, a third of a records read's CPU time. A buffer
 * never given back (a client gone mid-response, an adapter that cannot tell when it is done)
 * is simply collected.
 */

/** Buffers kept for reuse: enough for a few responses being written at once. */
const KEEP = 4;
/** Larger buffers (a chunk widened for one huge message) are not worth holding on to. */
const KEEP_MAX_BYTES = 8 << 20;

export class BodyBufferPool {
  readonly #free: Buffer[] = [];

  /** A buffer of at least `bytes`, uninitialised. */
  take(bytes: number): Buffer {
    const free = this.#free;
    for (let i = free.length - 1; i >= 0; i--) {
      const buffer = free[i]!;
      if (buffer.length >= bytes) {
        free.splice(i, 1);
        return buffer;
      }
    }
    return Buffer.allocUnsafe(bytes);
  }

  /** Gives back a buffer from take() that nothing will read again. */
  give(buffer: Buffer): void {
    const free = this.#free;
    if (buffer.length > KEEP_MAX_BYTES) return;
    if (free.length < KEEP) {
      free.push(buffer);
      return;
    }
    // Full: keep the larger buffers, which serve more requests.
    let smallest = 0;
    for (let i = 1; i < free.length; i++) if (free[i]!.length < free[smallest]!.length) smallest = i;
    if (free[smallest]!.length < buffer.length) free[smallest] = buffer;
  }
}

/** The process's pool: every server in it shares the buffers. */
export const bodyBuffers = new BodyBufferPool();
