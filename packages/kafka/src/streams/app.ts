/**
 * The running application's handle, returned by every terminal operation: `await app` resolves
 * once it runs (internal topics made, group joined, state restored) and rejects if it could not
 * start; `app.close()` stops it; `app.done` settles when it stops (rejecting with what made it fail).
 */

export interface AppRunner {
  start(): Promise<void>;
  close(): Promise<void>;
  /** Settles when the runner stops: resolves on close, rejects on a failure. */
  readonly done: Promise<void>;
  readonly lateRecords: number;
}

export class StreamApp implements PromiseLike<undefined> {
  readonly #running: Promise<undefined>;

  constructor(private readonly runner: AppRunner) {
    // Started after the code defining the topology has run: every sink is attached by then.
    this.#running = new Promise<void>((resolve) => queueMicrotask(resolve))
      .then(() => runner.start())
      .then(() => undefined);
    this.#running.catch(() => {});
  }

  // biome-ignore lint/suspicious/noThenProperty: `await app` waiting until it runs is the handle's contract.
  then<R1 = undefined, R2 = never>(
    onFulfilled?: ((value: undefined) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#running.then(onFulfilled, onRejected);
  }

  /** Settles when the application stops: resolves after `close()`, rejects with the failure that stopped it. */
  get done(): Promise<void> {
    return this.runner.done;
  }

  /** Records dropped as late (beyond their windows' grace) since it started. */
  get lateRecords(): number {
    return this.runner.lateRecords;
  }

  async close(): Promise<void> {
    await this.#running.catch(() => {});
    await this.runner.close();
  }
}
