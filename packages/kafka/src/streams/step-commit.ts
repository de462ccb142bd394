/**
 * The offsets an exactly-once step commits in its transaction (streams/runtime.ts): refused as
 * a rebalance when the step's partition is no longer this member's.
 */
import { RebalanceInProgressError } from "../errors.js";
import type { TransactionCommit } from "../transaction/commit-part.js";

/** The consumer as a step sees it: what its member may commit now. */
export interface StepConsumer {
  transactionCommit(): TransactionCommit;
}

/**
 * What a step's transaction commits: the member's finished offsets, which must include the
 * step's own partition. A rebalance can take the partition away while the step's records are
 * being sent (the member had already released them): then nothing of the step may be written,
 * since the partition's new owner processes its records again, so the step is refused as a
 * rebalance and the member rejoins.
 */
export function stepCommit(consumer: StepConsumer, topic: string, partition: number): TransactionCommit {
  const commit = consumer.transactionCommit();
  if (!commit.offsets.some((entry) => entry.topic === topic && entry.partition === partition)) {
    throw new RebalanceInProgressError(
      "PARTITION_REVOKED",
      `${topic}/${partition} was taken from this member before its step committed`,
    );
  }
  return commit;
}
