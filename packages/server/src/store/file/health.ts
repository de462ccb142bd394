/**
 * The file store's readiness: what stops it serving or writing now, in words an operator can
 * act on. Some conditions pass by themselves (space freed, descriptors released); corruption
 * stays until the operator has run `rivulet fsck` and restarted.
 */
import type { StoreCorruptionError } from "../errors.js";
import type { StoreHealth } from "../types.js";
import type { FileIo } from "./io.js";

export interface HealthOptions {
  readonly io: FileIo;
  readonly dir: string;
  /** Below this many free bytes the store reports not ready (default 16 MiB). */
  readonly minFreeBytes: number;
  /** How often free space is checked (default 5 s). */
  readonly spaceCheckMs: number;
}

/** A not-ready disk is checked again at most this often when readiness is asked for. */
const RECHECK_MS = 500;

export class StoreHealthState {
  fatal: Error | undefined;
  /**
   * The errno of a write refused for lack of space (ENOSPC, EDQUOT); cleared by the next
   * successful commit, or for ENOSPC when the disk has room again (a quota does not show in
   * free space, so EDQUOT waits for a write that succeeds).
   */
  diskFull: string | undefined;
  /** Free space below the threshold at the last check. */
  private lowSpace: string | undefined;
  private corruption: StoreCorruptionError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private lastCheck = 0;

  constructor(
    private readonly options: HealthOptions,
    private readonly shortage: () => Error | undefined,
  ) {}

  /** Checks free space now and then every `spaceCheckMs`. */
  async start(): Promise<void> {
    await this.checkSpace();
    this.timer = setInterval(() => void this.checkSpace(), this.options.spaceCheckMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  corrupted(error: StoreCorruptionError): void {
    this.corruption ??= error;
  }

  /** Checks free space soon (after a refused write or a failed preallocation). */
  spaceShort(): void {
    void this.checkSpace();
  }

  /**
   * A write succeeded: a refusal for space is over. If the disk was short, it is measured
   * again before the write is acknowledged, so readiness is current when the client hears back.
   */
  async wrote(): Promise<void> {
    const short = this.diskFull !== undefined || this.lowSpace !== undefined;
    this.diskFull = undefined;
    if (short) await this.checkSpace();
  }

  get health(): StoreHealth {
    const reasons: string[] = [];
    if (this.fatal) reasons.push(this.fatal.message);
    if (this.corruption) reasons.push(this.corruption.message);
    if (this.diskFull === "EDQUOT") reasons.push("the disk quota is exhausted");
    else if (this.diskFull) reasons.push("the disk is full");
    else if (this.lowSpace) reasons.push(this.lowSpace);
    const shortage = this.shortage();
    if (shortage) reasons.push(`out of file descriptors (${shortage.message})`);
    if ((this.diskFull !== undefined || this.lowSpace) && Date.now() - this.lastCheck > RECHECK_MS)
      void this.checkSpace();
    return reasons.length === 0 ? { ready: true } : { ready: false, detail: reasons.join("; ") };
  }

  private checkSpace(): Promise<void> {
    this.checking ??= this.measure().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async measure(): Promise<void> {
    this.lastCheck = Date.now();
    let free: number;
    try {
      free = await this.options.io.freeBytes(this.options.dir);
    } catch {
      return; // cannot tell: keep what we knew
    }
    const min = this.options.minFreeBytes;
    this.lowSpace =
      free < min ? `the disk is nearly full (${mebibytes(free)} free, below ${mebibytes(min)})` : undefined;
    if (!this.lowSpace && this.diskFull === "ENOSPC") this.diskFull = undefined;
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
