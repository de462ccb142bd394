/**
 * The cap on how many streams the server holds. Creates in flight hold a reservation, so
 * concurrent creates can never overshoot the cap (near it, one may be refused that would
 * have fit once another finished; the client retries).
 */
import { ProtocolError } from "@rivulet/protocol";
import type { Engine } from "../../engine/engine.js";

export class StreamQuota {
  private pending = 0;

  constructor(
    private readonly max: number,
    private readonly engine: Engine,
  ) {}

  /** A reservation for a create of `path` (returned function releases it), or undefined when none is needed. */
  reserve(path: string): (() => void) | undefined {
    // An existing path is an idempotent create or a conflict, never a new stream.
    if (this.max <= 0 || this.engine.inMemory(path) !== undefined) return undefined;
    if (this.engine.streamCount + this.pending >= this.max) {
      throw new ProtocolError("STREAM_LIMIT_REACHED", `This server holds its limit of ${this.max} streams`);
    }
    this.pending++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pending--;
    };
  }
}
