/**
 * An in-process change feed: engines that share one MemoryStore in a process (tests, embedders)
 * hear each other's changes through a bus. Notices are delivered asynchronously, as over a
 * network, and never to the node that published them.
 */
import { randomUUID } from "node:crypto";
import type { ChangeFeed, StreamChange } from "./types.js";

export class ChangeBus {
  private readonly feeds = new Set<MemoryChangeFeed>();

  /** A node's end of the bus. */
  feed(nodeId: string = randomUUID()): MemoryChangeFeed {
    const feed = new MemoryChangeFeed(nodeId, this.feeds);
    this.feeds.add(feed);
    return feed;
  }
}

export class MemoryChangeFeed implements ChangeFeed {
  private readonly changeListeners = new Set<(change: StreamChange) => void>();
  private readonly gapListeners = new Set<() => void>();

  constructor(
    readonly nodeId: string,
    private readonly peers: Set<MemoryChangeFeed>,
  ) {}

  publish(change: StreamChange): void {
    for (const peer of this.peers) {
      if (peer !== this) queueMicrotask(() => peer.deliver(change));
    }
  }

  onChange(listener: (change: StreamChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onGap(listener: () => void): () => void {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.peers.delete(this);
  }

  private deliver(change: StreamChange): void {
    for (const listener of this.changeListeners) listener(change);
  }
}
