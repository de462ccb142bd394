/**
 * Transaction metrics: transactions by outcome, items committed, latency, and refused items
 * and parts by error code (a bounded set: the protocol's codes).
 */
import type { ErrorCode } from "@rivulet/protocol";
import { Counter, Histogram, type Registry } from "prom-client";

export type Outcome = "committed" | "refused" | "failed";

export interface TransactionObserver {
  /** A transaction finished: committed, refused (TRANSACTION_CONFLICT or a bad request), or failed (the store). */
  finished(outcome: Outcome, seconds: number): void;
  /** Items of a committed transaction (duplicates included), and how many of them wrote. */
  committedItems(items: number, written: number): void;
  /** The error code of each refused item or part. */
  refusedCodes(codes: readonly ErrorCode[]): void;
}

export const noObserver: TransactionObserver = {
  finished() {},
  committedItems() {},
  refusedCodes() {},
};

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class TransactionMetrics implements TransactionObserver {
  private readonly transactions: Counter<"outcome">;
  private readonly items: Counter<"result">;
  private readonly refusals: Counter<"code">;
  private readonly seconds: Histogram<"outcome">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.transactions = new Counter({
      name: "rivulet_transactions_total",
      help: "Transactions by outcome: committed, refused (an item or part refused, or a bad request), failed (the store)",
      labelNames: ["outcome"],
      registers,
    });
    this.items = new Counter({
      name: "rivulet_transaction_items_total",
      help: "Items of committed transactions: written, or duplicate (already written by their producer)",
      labelNames: ["result"],
      registers,
    });
    this.refusals = new Counter({
      name: "rivulet_transaction_refusals_total",
      help: "Refused items and parts of transactions, by error code",
      labelNames: ["code"],
      registers,
    });
    this.seconds = new Histogram({
      name: "rivulet_transaction_duration_seconds",
      help: "Time from a transaction's request to its answer, by outcome",
      labelNames: ["outcome"],
      buckets: BUCKETS,
      registers,
    });
  }

  finished(outcome: Outcome, seconds: number): void {
    this.transactions.inc({ outcome });
    this.seconds.observe({ outcome }, seconds);
  }

  committedItems(items: number, written: number): void {
    if (written > 0) this.items.inc({ result: "written" }, written);
    if (items > written) this.items.inc({ result: "duplicate" }, items - written);
  }

  refusedCodes(codes: readonly ErrorCode[]): void {
    for (const code of codes) this.refusals.inc({ code });
  }
}
