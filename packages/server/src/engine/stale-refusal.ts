/**
 * What appends and transactions share on a store several servers write (docs/cluster.md): a
 * refusal is answered only once the store confirms it, and a node that cannot catch up says
 * so with a retryable error instead of refusing on state it knows is stale.
 */
import { StoreConflictError } from "../store/errors.js";
import { storeError } from "./store-errors.js";

/** How often a write waiting for an earlier seq on a shared store checks whether it landed elsewhere. */
const GAP_RECHECK_MS = 25;

/**
 * One write's checks before a refusal. A refusal (seq gap, closed, stale epoch, unexpected
 * tail) may come from what this node held, not what is stored: check the store, then decide
 * again. The check waits for this node's own writes of the stream to settle, so what it holds
 * may have moved even when the store is not ahead. While the store is found ahead, check again
 * after deciding again, at most `retries` times: bounded by progress, not a spin. On a store of
 * its own (`shared` false) nothing is checked.
 */
export class RefusalCheck {
  private checked = false;
  private timesAhead = 0;
  /** The last check found the store ahead of this node: a refusal now may rest on stale state. */
  private aheadAtLastCheck = false;

  constructor(
    private readonly shared: boolean,
    private readonly retries: number,
  ) {}

  /** Whether to check the store (then decide again) before refusing. */
  get due(): boolean {
    return this.shared && !this.checked;
  }

  /** A check's outcome: whether the store was ahead of this node. */
  checkedStore(ahead: boolean): void {
    this.aheadAtLastCheck = ahead;
    this.checked = !(ahead && ++this.timesAhead < this.retries);
  }

  /**
   * How long to wait for an earlier seq before looking again: on a shared store it may land
   * through another server, which wakes no waiter here, so in slices, each followed by a check.
   */
  gapWaitMs(remainingMs: number): number {
    if (!this.shared) return remainingMs;
    this.checked = false;
    return Math.min(remainingMs, GAP_RECHECK_MS);
  }

  /**
   * The answer for a refusal: `refusal` itself, or, when the store stayed ahead through every
   * check and the node could not take its state, a retryable 503 (another node, or this one a
   * moment later, decides on current state), never a refusal such as a seq gap for seqs other
   * nodes already stored.
   */
  answer(refusal: unknown, path: string): unknown {
    if (!this.aheadAtLastCheck) return refusal;
    return storeError(
      new StoreConflictError(path, "position", `${path} kept moving on other servers while this one decided`),
    );
  }
}
