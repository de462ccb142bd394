/**
 * Concurrency limits for webhook deliveries: at most `total` requests in flight, and at most
 * `perOrigin` to any one origin. A task for a saturated origin waits without blocking tasks
 * for other origins behind it, so a slow or dead endpoint holds only its own slots. Waiting
 * tasks queue per origin and origins take turns, so freeing a slot costs one look per origin
 * with waiting tasks, however many tasks wait (thousands of subscriptions may share one).
 */
export class Dispatcher {
  private running = 0;
  private readonly perOriginRunning = new Map<string, number>();
  /** Origins with waiting tasks, each with its tasks in order; an origin served goes to the back. */
  private readonly queues = new Map<string, Array<() => void>>();
  private waitingCount = 0;

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
      if (!this.queues.has(origin) && this.hasSlot(origin)) start();
      else this.enqueue(origin, start);
    });
  }

  /** Requests in flight, and waiting for a slot (for metrics and tests). */
  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waitingCount };
  }

  private hasSlot(origin: string): boolean {
    return this.running < this.total && (this.perOriginRunning.get(origin) ?? 0) < this.perOrigin;
  }

  private enqueue(origin: string, start: () => void): void {
    const queue = this.queues.get(origin);
    if (queue) queue.push(start);
    else this.queues.set(origin, [start]);
    this.waitingCount++;
  }

  private finished(origin: string): void {
    this.running--;
    const left = (this.perOriginRunning.get(origin) ?? 1) - 1;
    if (left > 0) this.perOriginRunning.set(origin, left);
    else this.perOriginRunning.delete(origin);
    this.startWaiting();
  }

  /** Starts waiting tasks while there are slots, one origin's next task at a time. */
  private startWaiting(): void {
    // An origin re-added at the back is visited again in this loop: each visit that starts a
    // task takes a slot, so the loop ends when the slots or the waiting origins run out.
    for (const [origin, queue] of this.queues) {
      if (this.running >= this.total) return;
      if (!this.hasSlot(origin)) continue;
      const start = queue.shift()!;
      this.waitingCount--;
      this.queues.delete(origin);
      if (queue.length > 0) this.queues.set(origin, queue);
      start();
    }
  }
}
