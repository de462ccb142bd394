/** A sealed batch on its way to the server, and the one-shot signal of its outcome. */
import type { StreamError } from "../errors.js";

export class Outgoing {
  /** Epoch and seq of its current dispatch (reassigned if an auto-claim resends it). */
  epoch = -1;
  seq = -1;
  done = false;
  duplicate = false;
  error: StreamError | undefined;
  readonly settled: Promise<void>;
  #resolve!: () => void;

  constructor(
    /** Creation order: resends after an auto-claim keep it. */
    readonly id: number,
    readonly body: Uint8Array,
    readonly items: number,
  ) {
    this.settled = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  succeed(duplicate: boolean): void {
    if (this.done) return;
    this.done = true;
    this.duplicate = duplicate;
    this.#resolve();
  }

  fail(error: StreamError): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    this.#resolve();
  }
}
