/**
 * An exactly-once step commits its own partition's offset with its records, or nothing: a
 * partition taken from the member while the step's records were being sent (a rebalance under
 * way) refuses the step as a rebalance, which makes the member rejoin, instead of failing the
 * application on an empty commit or committing the step's output without its offset.
 */
import { describe, expect, it } from "vitest";
import { RebalanceInProgressError } from "../../src/errors.js";
import { stepCommit } from "../../src/streams/step-commit.js";
import type { TransactionCommit } from "../../src/transaction/commit-part.js";

const member = (offsets: TransactionCommit["offsets"]) => ({
  transactionCommit: (): TransactionCommit => ({ group: "app", memberId: "m-1", memberEpoch: 3, offsets }),
});

describe("stepCommit", () => {
  it("commits what the member finished when the step's partition is among it", () => {
    const offsets = [
      { topic: "words", partition: 0, offset: "0000000000000000_0000000000000100" },
      { topic: "words", partition: 2, offset: "0000000000000000_0000000000000040" },
    ];
    expect(stepCommit(member(offsets), "words", 2)).toEqual({
      group: "app",
      memberId: "m-1",
      memberEpoch: 3,
      offsets,
    });
  });

  it("refuses the step as a rebalance when its partition was taken away (nothing left to commit)", () => {
    const attempt = () => stepCommit(member([]), "words", 1);
    expect(attempt).toThrow(RebalanceInProgressError);
    expect(attempt).toThrow(expect.objectContaining({ code: "PARTITION_REVOKED" }));
  });

  it("refuses it too when only other partitions have offsets to commit", () => {
    const offsets = [{ topic: "words", partition: 0, offset: "0000000000000000_0000000000000100" }];
    expect(() => stepCommit(member(offsets), "words", 1)).toThrow(/words\/1 was taken from this member/);
    expect(() => stepCommit(member(offsets), "counts", 0)).toThrow(RebalanceInProgressError);
  });
});
