/**
 * A change feed tells the nodes sharing one store what changed on each other's streams, so a
 * node can bring what it holds in memory up to date and wake its live readers
 * (docs/cluster.md). It carries notices, not data: a node that hears of a change re-reads
 * the stored state, so a notice that is late, repeated or lost costs time, never correctness.
 */

/** What changed on one stream, as the node that made the change saw it once it was durable. */
export interface StreamChange {
  readonly path: string;
  /** The stream's tail after the change (0 once deleted). */
  readonly tail: number;
  readonly closed?: boolean;
  /** Removed, or soft-deleted (PROTOCOL §4.2). */
  readonly deleted?: boolean;
  /** Created, or re-created at the same path (a new stream there). */
  readonly created?: boolean;
  /** Its earliest retained position moved (retention, a trim). */
  readonly trimmed?: boolean;
}

export interface ChangeFeed {
  /** This node's id: notices it published itself are not handed back to it. */
  readonly nodeId: string;
  /** Starts receiving (connects, listens), if the feed needs to; called before the node serves. */
  open?(): Promise<void>;
  /** Tells the other nodes of a change this node made durable (fire and forget). */
  publish(change: StreamChange): void;
  /** Calls `listener` for every change another node published; returns the function that stops it. */
  onChange(listener: (change: StreamChange) => void): () => void;
  /**
   * Calls `listener` when changes may have been missed (the feed reconnected, or a notice could
   * not be read): whatever a node holds may be stale and should be re-checked.
   */
  onGap(listener: () => void): () => void;
  close(): Promise<void>;
}
