/**
 * The app's life: open (store recovery, then features, expiry among them), requests in flight, graceful drain,
 * close (features, then the store), and readiness as the sum of all of it.
 */
import type { Engine } from "../engine/engine.js";
import type { Store } from "../store/types.js";
import type { Readiness } from "./context.js";

type Hook = () => Promise<void> | void;

export class Lifecycle {
  private opened = false;
  /** Requests being handled plus SSE sessions streaming; shutdown waits for zero. */
  private active = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly openHooks: Hook[] = [];
  private readonly closeHooks: Hook[] = [];
  private readonly drainHooks: Array<() => void> = [];
  private readonly checks: Array<() => Readiness> = [];

  constructor(private readonly engine: Engine) {}

  onOpen(hook: Hook): void {
    this.openHooks.push(hook);
  }

  onClose(hook: Hook): void {
    this.closeHooks.push(hook);
  }

  /** Runs when a graceful drain starts, so a feature's own waits (long heartbeats) answer now. */
  onDrain(hook: () => void): void {
    this.drainHooks.push(hook);
  }

  addCheck(check: () => Readiness): void {
    this.checks.push(check);
  }

  async open(): Promise<void> {
    await this.engine.open();
    for (const hook of this.openHooks) await hook();
    this.opened = true;
  }

  async drain(timeoutMs: number): Promise<void> {
    this.engine.beginShutdown();
    for (const hook of this.drainHooks) hook();
    if (this.active === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(store: Store): Promise<void> {
    // Features stop in the reverse order they started, so later ones may rely on earlier ones.
    for (const hook of [...this.closeHooks].reverse()) await hook();
    this.engine.close();
    await store.close();
  }

  begin(): void {
    this.active++;
  }

  end(): void {
    this.active--;
    if (this.active === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  readiness(store: Store): Readiness {
    if (!this.opened) return { ready: false, status: "starting" };
    if (this.engine.draining) return { ready: false, status: "draining" };
    const health = store.health?.() ?? { ready: true };
    if (!health.ready) return { ready: false, status: "unavailable", detail: health.detail };
    for (const check of this.checks) {
      const readiness = check();
      if (!readiness.ready) return readiness;
    }
    return { ready: true };
  }
}
