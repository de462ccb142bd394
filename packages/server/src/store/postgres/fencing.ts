/**
 * Fencing of feature state (docs/cluster.md, "Work that runs once"): in cluster mode, writes to
 * internal streams (the features' state logs) are made by the node holding the lease, and each
 * transaction that writes one checks, before its write, that the lease still names this node at
 * its epoch (cluster/leases/fence.ts). Plain streams are never fenced: any node appends to them.
 */
import type pg from "pg";
import { checkFence, type FenceSource } from "../../cluster/leases/fence.js";

export class InternalWriteFence {
  private source: FenceSource | undefined;
  private prefix = "";

  /** From now on, writes to paths under `internalPrefix` need `source`'s current lease. */
  enable(source: FenceSource, internalPrefix: string): void {
    this.source = source;
    this.prefix = internalPrefix;
  }

  /** Inside the writing transaction, before the write: refuses it if its lease has moved on. */
  async check(client: pg.ClientBase, paths: readonly string[]): Promise<void> {
    if (!this.source || !paths.some((path) => path.startsWith(this.prefix))) return;
    await checkFence(client, this.source.current());
  }
}
