/**
 * Polling without request storms: a task runs, and the next run starts no sooner than
 * `intervalMs` after this one started and never before it finished (a slow server slows the
 * polls instead of piling them up). While the page is hidden it does not poll. Every polling
 * view uses one of these per page, so a page makes at most one request per interval.
 * No DOM here: timers and visibility are passed in (the hook below wires the browser's).
 */
import { useEffect, useRef } from "preact/hooks";

export interface PollerEnv {
  now(): number;
  setTimer(run: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
  /** Whether the page is hidden now, and a way to hear when that changes. */
  hidden(): boolean;
  onVisibility(listener: () => void): () => void;
}

/**
 * When the last poll of one kind started. Pollers that share one keep their pace together: a
 * view that is left and opened again (a new poller) still waits out the interval of the old one.
 */
export class Pace {
  lastStart = Number.NEGATIVE_INFINITY;
}

export class Poller {
  private timer: unknown;
  private running = false;
  private stopped = true;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly env: PollerEnv,
    private readonly pace: Pace = new Pace(),
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unlisten = this.env.onVisibility(() => this.schedule());
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.env.clearTimer(this.timer);
    this.timer = undefined;
    this.unlisten?.();
  }

  private schedule(): void {
    if (this.stopped || this.running || this.env.hidden()) return;
    this.env.clearTimer(this.timer);
    const wait = Math.max(0, this.pace.lastStart + this.intervalMs - this.env.now());
    this.timer = this.env.setTimer(() => void this.run(), wait);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.stopped || this.running) return;
    this.running = true;
    this.pace.lastStart = this.env.now();
    try {
      await this.task();
    } catch {
      // The task reports its own failures; polling goes on.
    } finally {
      this.running = false;
    }
    this.schedule();
  }
}

export const browserEnv: PollerEnv = {
  now: () => performance.now(),
  setTimer: (run, ms) => setTimeout(run, ms),
  clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  hidden: () => document.visibilityState === "hidden",
  onVisibility(listener) {
    document.addEventListener("visibilitychange", listener);
    return () => document.removeEventListener("visibilitychange", listener);
  },
};

/**
 * Runs `task` now and then every `intervalMs` while the component is mounted and `enabled`;
 * a new `resetKey` (what the view shows changed) starts over with a run at once. Views that
 * must keep one pace across mounts (the metrics) pass the same `pace`.
 */
export function usePoll(
  task: () => Promise<void>,
  intervalMs: number,
  enabled = true,
  resetKey: unknown = 0,
  pace?: Pace,
): void {
  const latest = useRef(task);
  latest.current = task;
  useEffect(() => {
    if (!enabled) return;
    const poller = new Poller(() => latest.current(), intervalMs, browserEnv, pace);
    poller.start();
    return () => poller.stop();
  }, [intervalMs, enabled, resetKey]);
}
