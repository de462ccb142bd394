/**
 * Re-reads streams for a node, one store read per path at a time: notices that arrive while a
 * path is being re-read fold into one more read after it, so a burst of appends elsewhere costs
 * at most two reads here, however many notices it sent.
 */
import type { Engine } from "../../engine/engine.js";

export class Refresher {
  /** Paths being re-read, and whether another notice came in meanwhile. */
  private readonly running = new Map<string, { again: boolean; done: Promise<void> }>();

  constructor(
    private readonly engine: Pick<Engine, "refresh">,
    private readonly onError: (error: unknown, path: string) => void,
  ) {}

  /** Re-reads `path` (if the engine holds it); resolves once a read that began after this call ends. */
  request(path: string): Promise<void> {
    const running = this.running.get(path);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: true, done: Promise.resolve() };
    state.done = this.loop(path, state);
    this.running.set(path, state);
    return state.done;
  }

  private async loop(path: string, state: { again: boolean }): Promise<void> {
    // Runs after `request` registered the state: a notice arriving during the first read folds in.
    await Promise.resolve();
    try {
      while (state.again) {
        state.again = false;
        try {
          await this.engine.refresh(path);
        } catch (error) {
          this.onError(error, path);
        }
      }
    } finally {
      this.running.delete(path);
    }
  }
}
