/**
 * Keeps one lease for this node: every `renewEveryMs` it records the node's heartbeat and tries
 * to take or renew the lease in one statement; a watchdog drops a held lease at its local
 * deadline when renewals stopped landing (database down, process stalled), before any other
 * node can take it. Listeners hear every change of view; lease-math.ts makes the decisions.
 */
import type { Logger } from "../../ops/logger.js";
import { checkTiming, expire, interpret, type LeaseTiming, type LeaseView } from "./lease-math.js";
import { acquireOrRenew, forgetNode, heartbeat, type Queryable, release } from "./lease-store.js";

export interface LeaseManagerOptions {
  readonly db: Queryable;
  readonly lease: string;
  readonly nodeId: string;
  /** Where other nodes reach this one (forwarded requests go there). */
  readonly url: string;
  readonly timing: LeaseTiming;
  readonly logger: Logger;
  /** Monotonic milliseconds (tests may drive it). */
  readonly now?: () => number;
}

export type ViewListener = (view: LeaseView, before: LeaseView) => void;

export class LeaseManager {
  private current: LeaseView = { kind: "unknown" };
  private readonly listeners: ViewListener[] = [];
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: LeaseManagerOptions) {
    checkTiming(options.timing);
    this.now = options.now ?? (() => performance.now());
  }

  get view(): LeaseView {
    return expire(this.current, this.now());
  }

  onChange(listener: ViewListener): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops trying, and gives the lease up when held so another node takes over at once. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.ticking;
    const held = this.view;
    this.set({ kind: "unknown" });
    const { db, lease, nodeId } = this.options;
    try {
      if (held.kind === "held") await release(db, lease, nodeId, held.epoch);
      await forgetNode(db, nodeId);
    } catch (error) {
      this.options.logger.warn({ err: String(error), lease }, "lease not released; it expires by itself");
    }
  }

  /** Gives a held lease up but keeps trying: another node (or this one, later) takes it. */
  async relinquish(): Promise<void> {
    const held = this.view;
    if (held.kind !== "held") return;
    this.set({ kind: "unknown" });
    await release(this.options.db, this.options.lease, this.options.nodeId, held.epoch).catch(() => {});
  }

  /** One attempt now (tests call it to step without waiting for the timer). */
  tick(): Promise<void> {
    this.ticking = this.ticking.then(() => this.attempt());
    return this.ticking;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.tick().finally(() => this.schedule(this.options.timing.renewEveryMs));
    }, delayMs);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    const { db, lease, nodeId, url, timing } = this.options;
    const sentAt = this.now();
    const held = this.view;
    try {
      await heartbeat(db, nodeId, url);
      const row = await acquireOrRenew(db, lease, nodeId, held.kind === "held" ? held.epoch : undefined, timing.ttlMs);
      this.set(expire(interpret(row, nodeId, sentAt, timing), this.now()));
    } catch (error) {
      // The view stands until the watchdog's deadline: a blip of the database costs nothing.
      this.options.logger.warn({ err: String(error), lease }, "lease not renewed");
      this.set(this.view);
    }
  }

  private set(view: LeaseView): void {
    const before = this.current;
    this.current = view;
    clearTimeout(this.watchdog);
    if (view.kind === "held") {
      this.watchdog = setTimeout(() => this.set(this.view), Math.max(0, view.deadline - this.now()));
      this.watchdog.unref();
    }
    if (sameView(before, view)) return;
    for (const listener of this.listeners) listener(view, before);
  }
}

function sameView(a: LeaseView, b: LeaseView): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "held" && b.kind === "held") return a.epoch === b.epoch;
  if (a.kind === "other" && b.kind === "other") return a.holder === b.holder && a.epoch === b.epoch && a.url === b.url;
  return true;
}
