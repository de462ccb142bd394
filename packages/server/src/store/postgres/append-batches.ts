/**
 * Plain appends to one stream that wait for the same turn go to PostgreSQL together: one
 * transaction, one row lock, one commit for all of them (group commit per stream). The engine
 * pipelines appends to a busy stream, so under load a batch holds many; alone, an append is a
 * batch of one. Each append is still checked on its own: those before a refused one commit,
 * the refused one and those after it (which start where it would have ended) are refused.
 */
import { StoreConflictError } from "../errors.js";
import type { AppendRecord } from "../types.js";
import type { PathQueue } from "./path-queue.js";

/** Most appends one transaction takes; more wait for the next. */
const MAX_BATCH = 256;

interface Pending {
  readonly record: AppendRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Commits `records` (to one stream) up to the first refused; says how many committed and why it stopped. */
export type BatchWriter = (
  path: string,
  records: readonly AppendRecord[],
) => Promise<{ committed: number; refusal: Error | undefined }>;

export class AppendBatches {
  /** Per stream: the batch waiting for its turn, which later appends join. */
  private readonly waiting = new Map<string, Pending[]>();

  constructor(
    private readonly queue: PathQueue,
    private readonly write: BatchWriter,
  ) {}

  append(path: string, record: AppendRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      const batch = this.waiting.get(path);
      if (batch && batch.length < MAX_BATCH) {
        batch.push({ record, resolve, reject });
        return;
      }
      const fresh: Pending[] = [{ record, resolve, reject }];
      this.waiting.set(path, fresh);
      void this.queue.run([path], async () => {
        if (this.waiting.get(path) === fresh) this.waiting.delete(path);
        await this.flush(path, fresh);
      });
    });
  }

  /**
   * Another write to these streams takes its turn now (an atomic unit, a create, a removal):
   * appends submitted after it must not join a batch that runs before it.
   */
  seal(paths: readonly string[]): void {
    for (const path of paths) this.waiting.delete(path);
  }

  private async flush(path: string, batch: readonly Pending[]): Promise<void> {
    let outcome: Awaited<ReturnType<BatchWriter>>;
    try {
      outcome = await this.write(
        path,
        batch.map((p) => p.record),
      );
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    for (const [i, pending] of batch.entries()) {
      if (i < outcome.committed) pending.resolve();
      else if (i === outcome.committed) pending.reject(outcome.refusal);
      else pending.reject(afterRefusal(path, pending.record));
    }
  }
}

function afterRefusal(path: string, record: AppendRecord): StoreConflictError {
  return new StoreConflictError(path, "position", `Append at ${record.position} follows an append that was refused`);
}
