/**
 * Whether the database answers (readiness, /readyz): every statement's outcome says so as it
 * happens, and a probe asks the database every `probeMs` so an idle node notices too. The
 * first failure after a success, and the recovery, are reported once each (not per request).
 */
import type { StoreHealth } from "../types.js";
import { isTransient } from "./faults.js";

export class DatabaseHealth {
  private failure: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly report: (event: "lost" | "recovered", detail: string) => void,
  ) {}

  start(probeMs: number): void {
    this.timer = setInterval(() => void this.check(), probeMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get state(): StoreHealth {
    return this.failure === undefined ? { ready: true } : { ready: false, detail: this.failure };
  }

  /** Probes the database once now. */
  async check(): Promise<void> {
    try {
      await this.probe();
      this.succeeded();
    } catch (error) {
      this.failed(error);
    }
  }

  succeeded(): void {
    if (this.failure === undefined) return;
    const was = this.failure;
    this.failure = undefined;
    this.report("recovered", was);
  }

  /** A statement failed: only a transient fault means the database is out of reach. */
  failed(error: unknown): void {
    if (!isTransient(error)) return;
    const first = this.failure === undefined;
    this.failure = `PostgreSQL unreachable: ${(error as Error).message}`;
    if (first) this.report("lost", this.failure);
  }
}
