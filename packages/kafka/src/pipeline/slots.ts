/** At most `size` holders at once; the rest wait in the order they asked (first come, first served). */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0 && this.#waiting.length === 0) {
      this.#free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#free += 1;
  }

  /** Runs `step` holding a slot. */
  async run<R>(step: () => Promise<R>): Promise<R> {
    await this.acquire();
    try {
      return await step();
    } finally {
      this.release();
    }
  }
}
