/**
 * Concurrency limits for webhook deliveries: at most `total` requests in flight, and at most
 * `perOrigin` to any one origin. A task for a saturated origin waits without blocking tasks
 * for other origins behind it, so a slow or dead endpoint holds only its own slots.
 */
export class Dispatcher {
  private running = 0;
  private readonly perOriginRunning = new Map<string, number>();
  private readonly waiting: Array<{ readonly origin: string; readonly start: () => void }> = [];

  constructor(
    private readonly total: number,
    private readonly perOrigin: number,
  ) {}

  /** Runs `task` once a slot for `origin` is free. */
  run<T>(origin: string, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        this.perOriginRunning.set(origin, (this.perOriginRunning.get(origin) ?? 0) + 1);
        // The slot is free (and the next task started) before the caller hears the result.
        task().then(
          (value) => {
            this.finished(origin);
            resolve(value);
          },
          (error: unknown) => {
            this.finished(origin);
            reject(error);
          },
        );
      };
      if (this.hasSlot(origin)) start();
      else this.waiting.push({ origin, start });
    });
  }

  /** Requests in flight, and waiting for a slot (for metrics and tests). */
  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private hasSlot(origin: string): boolean {
    return this.running < this.total && (this.perOriginRunning.get(origin) ?? 0) < this.perOrigin;
  }

  private finished(origin: string): void {
    this.running--;
    const left = (this.perOriginRunning.get(origin) ?? 1) - 1;
    if (left > 0) this.perOriginRunning.set(origin, left);
    else this.perOriginRunning.delete(origin);
    for (let i = 0; i < this.waiting.length && this.running < this.total; ) {
      const next = this.waiting[i]!;
      if (this.hasSlot(next.origin)) {
        this.waiting.splice(i, 1);
        next.start();
      } else {
        i++;
      }
    }
  }
}
