/**
 * The fallback under the change feed: notices can be lost (a dropped connection, a full
 * notification queue), so the streams live readers wait on are re-checked against the store on
 * an interval, a few at a time. A lost notice then delays a wakeup by at most an interval; it
 * never loses one. The feed also asks for a round when it may have missed notices (a gap).
 */
import type { Refresher } from "./refresher.js";

export class LiveRecheck {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  /** A round was asked for while one ran: run another after it (streams may have moved since it began). */
  private pending = false;

  constructor(
    private readonly livePaths: () => string[],
    private readonly refresher: Refresher,
    private readonly concurrency: number,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Re-checks every stream live readers read; resolves once done (with any round asked for meanwhile). */
  run(): Promise<void> {
    if (this.round) {
      this.pending = true;
      return this.round;
    }
    this.round = this.rounds().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private async rounds(): Promise<void> {
    do {
      this.pending = false;
      const paths = this.livePaths();
      let next = 0;
      const worker = async () => {
        while (next < paths.length) await this.refresher.request(paths[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, paths.length) }, worker));
    } while (this.pending);
  }
}
